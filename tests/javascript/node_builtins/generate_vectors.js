// Regenerates vectors.json from Node.js (`node generate_vectors.js`, Node
// 20): what each case in cases.js answers there is what duet must answer.
'use strict';
const fs = require('fs');
const path = require('path');
const cases = require('./cases.js');

(async () => {
  const vectors = {};
  for (const name of Object.keys(cases)) {
    vectors[name] = JSON.parse(JSON.stringify(await cases[name](require)));
  }
  fs.writeFileSync(path.join(__dirname, 'vectors.json'), JSON.stringify(vectors, null, 1) + '\n');
})();
