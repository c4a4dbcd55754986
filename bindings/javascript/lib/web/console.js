'use strict';
// The larger parts of console (bootstrap.h), loaded on first use:
// console.table's layout and the duration format of console.timeEnd, both
// as Node.js prints them.

const { inspect } = require('internal/inspect');

const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size').get;
const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;

function brand(getter, value) {
  try {
    getter.call(value);
    return true;
  } catch {
    return false;
  }
}

// As node: "1.234ms", "1.500s", "1:02.345 (m:ss.mmm)", "1:01:02.345 (h:mm:ss.mmm)".
function formatDuration(ms) {
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(3)}s`;
  const seconds = ((ms % 60000) / 1000).toFixed(3).padStart(6, '0');
  if (ms < 3600000) return `${Math.floor(ms / 60000)}:${seconds} (m:ss.mmm)`;
  const minutes = String(Math.floor(ms / 60000) % 60).padStart(2, '0');
  return `${Math.floor(ms / 3600000)}:${minutes}:${seconds} (h:mm:ss.mmm)`;
}

function tableCell(value) {
  const depth = value !== null && typeof value === 'object' && !Array.isArray(value) &&
      Object.keys(value).length > 2 ? -1 : 0;
  return inspect(value, { depth });
}

function renderTable(head, columns) {
  const width = (text) => [...text].length;
  const widths = head.map(width);
  const rowCount = Math.max(...columns.map((column) => column.length));
  const rows = [];
  for (let r = 0; r < rowCount; r++) {
    rows.push(head.map((_, c) => {
      const cell = Object.prototype.hasOwnProperty.call(columns[c], r) ? columns[c][r] : '';
      widths[c] = Math.max(widths[c], width(cell));
      return cell;
    }));
  }
  const line = (cells) => '\u2502 ' + cells.map((cell, c) => cell + ' '.repeat(widths[c] - width(cell))).join(' \u2502 ') + ' \u2502';
  const rule = (left, middle, right) => left + widths.map((w) => '\u2500'.repeat(w + 2)).join(middle) + right;
  return [rule('\u250c', '\u252c', '\u2510'), line(head), rule('\u251c', '\u253c', '\u2524'), ...rows.map(line),
          rule('\u2514', '\u2534', '\u2518')].join('\n');
}

// Cells are left-aligned and hold inspected values; the text of the table,
// or undefined when `data` is not an object (console prints it as is).
function table(data, properties) {
  if (properties !== undefined && !Array.isArray(properties)) {
    throw new TypeError('console.table: the "properties" argument must be an array');
  }
  if (data === null || typeof data !== 'object') return undefined;
  const indexKey = brand(mapSize, data) || brand(setSize, data) ? '(iteration index)' : '(index)';
  if (brand(mapSize, data)) {
    const index = [], keys = [], values = [];
    let i = 0;
    for (const [k, v] of Map.prototype.entries.call(data)) {
      index.push(String(i++));
      keys.push(tableCell(k));
      values.push(tableCell(v));
    }
    return renderTable([indexKey, 'Key', 'Values'], [index, keys, values]);
  }
  const entries = brand(setSize, data)
      ? Array.from(Set.prototype.values.call(data), (v, i) => [String(i), v])
      : Object.keys(data).map((k) => [k, data[k]]);
  const index = [];
  const columns = new Map();  // column key -> cells by row
  const values = [];
  let hasValues = false;
  entries.forEach(([key, item], row) => {
    index.push(key);
    const primitive = item === null || (typeof item !== 'object' && typeof item !== 'function');
    if (primitive && properties === undefined) {
      values[row] = tableCell(item);
      hasValues = true;
      return;
    }
    for (const column of properties ?? Object.keys(item)) {
      if (!columns.has(column)) columns.set(column, []);
      if (!primitive && Object.prototype.hasOwnProperty.call(item, column)) {
        columns.get(column)[row] = tableCell(item[column]);
      }
    }
  });
  const head = [indexKey, ...Array.from(columns.keys(), String)];
  const body = [index, ...columns.values()];
  if (hasValues) {
    head.push('Values');
    body.push(values);
  }
  return renderTable(head, body);
}

exports.table = table;
exports.formatDuration = formatDuration;
