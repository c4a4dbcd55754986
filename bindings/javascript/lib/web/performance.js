'use strict';
// performance (High Resolution Time + a minimal User Timing): now() counts
// milliseconds on a monotonic clock from when this isolate first asked.

const { DOMException } = require('web/dom_exception');

// Wall-clock milliseconds at the origin, and the monotonic reading then.
const timeOrigin = native.wallClockMilliseconds();
const monotonicOrigin = native.monotonicMilliseconds();

function now() {
  return native.monotonicMilliseconds() - monotonicOrigin;
}

const entries = [];

class PerformanceEntry {
  constructor(name, entryType, startTime, duration, detail) {
    Object.defineProperties(this, {
      name: { value: name, enumerable: true },
      entryType: { value: entryType, enumerable: true },
      startTime: { value: startTime, enumerable: true },
      duration: { value: duration, enumerable: true },
      detail: { value: detail ?? null, enumerable: true },
    });
  }
  toJSON() {
    return {
      name: this.name, entryType: this.entryType, startTime: this.startTime,
      duration: this.duration, detail: this.detail,
    };
  }
}
class PerformanceMark extends PerformanceEntry {}
class PerformanceMeasure extends PerformanceEntry {}

function markTime(name, where) {
  if (typeof name === 'number') return name;
  for (let i = entries.length - 1; i >= 0; i--) {
    if (entries[i].entryType === 'mark' && entries[i].name === name) {
      return entries[i].startTime;
    }
  }
  throw new DOMException(`${where}: the mark '${name}' does not exist`, 'SyntaxError');
}

const performance = {
  get timeOrigin() { return timeOrigin; },
  now,
  mark(name, options = undefined) {
    if (arguments.length === 0) throw new TypeError('performance.mark: the "name" argument is required');
    const startTime = options?.startTime ?? now();
    if (typeof startTime !== 'number' || startTime < 0) {
      throw new TypeError('performance.mark: options.startTime must be a non-negative number');
    }
    const mark = new PerformanceMark(String(name), 'mark', startTime, 0, options?.detail);
    entries.push(mark);
    return mark;
  },
  measure(name, startOrOptions = undefined, endMark = undefined) {
    if (arguments.length === 0) throw new TypeError('performance.measure: the "name" argument is required');
    let start = 0;
    let end;
    let detail = null;
    if (startOrOptions !== null && typeof startOrOptions === 'object') {
      const options = startOrOptions;
      detail = options.detail ?? null;
      if (options.start !== undefined) start = markTime(options.start, 'performance.measure');
      if (options.end !== undefined) {
        end = markTime(options.end, 'performance.measure');
      } else if (options.duration !== undefined) {
        end = start + Number(options.duration);
      }
    } else if (startOrOptions !== undefined) {
      start = markTime(String(startOrOptions), 'performance.measure');
    }
    if (endMark !== undefined) end = markTime(String(endMark), 'performance.measure');
    if (end === undefined) end = now();
    const measure = new PerformanceMeasure(String(name), 'measure', start, end - start, detail);
    entries.push(measure);
    return measure;
  },
  getEntries() { return entries.slice(); },
  getEntriesByType(type) { return entries.filter((e) => e.entryType === String(type)); },
  getEntriesByName(name, type = undefined) {
    return entries.filter((e) => e.name === String(name) &&
                          (type === undefined || e.entryType === String(type)));
  },
  clearMarks(name = undefined) { removeEntries('mark', name); },
  clearMeasures(name = undefined) { removeEntries('measure', name); },
  toJSON() { return { timeOrigin }; },
};

function removeEntries(type, name) {
  for (let i = entries.length - 1; i >= 0; i--) {
    if (entries[i].entryType === type && (name === undefined || entries[i].name === String(name))) {
      entries.splice(i, 1);
    }
  }
}

Object.defineProperty(performance, Symbol.toStringTag, { value: 'Performance', configurable: true });

exports.performance = performance;
exports.PerformanceEntry = PerformanceEntry;
exports.PerformanceMark = PerformanceMark;
exports.PerformanceMeasure = PerformanceMeasure;
