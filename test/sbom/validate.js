#!/usr/bin/env node
// CycloneDX checks for test/sbom/run.sh, using the pinned tools from install-tools.sh (their
// directory in $CDX_TOOLS_DIR).
//   node validate.js SBOM.json                  schema-validate (CycloneDX 1.5, strict) with
//                                               @cyclonedx/cyclonedx-library, plus bom-ref checks
//   node validate.js --compare OURS THEIRS      same component set, by purl (qualifiers and the
//                                               root component ignored)
//   node validate.js --compare-graph OURS THEIRS  same dependency edges, by purl
// Exits 0 when the check holds, 1 when it does not (details on stderr), 2 on usage/setup errors.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

function fail(code, ...msg) {
  console.error(...msg);
  process.exit(code);
}

function loadLibrary() {
  const dir = process.env.CDX_TOOLS_DIR;
  if (!dir) fail(2, 'validate.js: CDX_TOOLS_DIR is not set (run install-tools.sh)');
  return createRequire(path.join(dir, 'package.json'))('@cyclonedx/cyclonedx-library');
}

function readBom(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return fail(1, `${file}: not JSON: ${e.message}`);
  }
}

// bom-ref → component for every component, nested ones included (cyclonedx-npm nests).
function allComponents(bom) {
  const out = [];
  const walk = (list) => {
    for (const c of list || []) {
      out.push(c);
      walk(c.components);
    }
  };
  walk(bom.components);
  return out;
}

const shortPurl = (purl) => purl.split(/[?#]/)[0];

async function validate(file) {
  const text = fs.readFileSync(file, 'utf8');
  const { Validation, Spec } = loadLibrary();
  const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot5);
  let errors;
  try {
    errors = await validator.validate(text);
  } catch (e) {
    fail(2, `validate.js: cannot validate: ${e.message}`);
  }
  if (errors !== null) fail(1, `${file}: not valid CycloneDX 1.5:\n${JSON.stringify(errors, null, 2)}`);
  // What the schema cannot say: bom-refs are unique and every dependency names one.
  const bom = JSON.parse(text);
  const refs = new Set();
  const problems = [];
  for (const c of [bom.metadata && bom.metadata.component, ...allComponents(bom)]) {
    if (!c || c['bom-ref'] === undefined) continue;
    if (refs.has(c['bom-ref'])) problems.push(`duplicate bom-ref ${c['bom-ref']}`);
    refs.add(c['bom-ref']);
  }
  for (const d of bom.dependencies || []) {
    for (const ref of [d.ref, ...(d.dependsOn || [])]) {
      if (!refs.has(ref)) problems.push(`dependency names unknown bom-ref ${ref}`);
    }
  }
  if (problems.length > 0) fail(1, `${file}:\n  ${problems.join('\n  ')}`);
  console.log(`${file}: valid CycloneDX 1.5 (${allComponents(bom).length} components)`);
}

function diff(what, ours, theirs) {
  const onlyOurs = [...ours].filter((x) => !theirs.has(x)).sort();
  const onlyTheirs = [...theirs].filter((x) => !ours.has(x)).sort();
  if (onlyOurs.length === 0 && onlyTheirs.length === 0) {
    console.log(`same ${what}: ${ours.size}`);
    return;
  }
  const lines = [`${what} differ (ours ${ours.size}, cyclonedx-npm ${theirs.size})`];
  for (const x of onlyOurs) lines.push(`  only in ours:          ${x}`);
  for (const x of onlyTheirs) lines.push(`  only in cyclonedx-npm: ${x}`);
  fail(1, lines.join('\n'));
}

function purlSet(bom) {
  return new Set(allComponents(bom).filter((c) => c.purl).map((c) => shortPurl(c.purl)));
}

// "from -> to" by purl; the root component is "ROOT".
function edgeSet(bom) {
  const purlOf = new Map();
  const root = bom.metadata && bom.metadata.component;
  if (root && root['bom-ref'] !== undefined) purlOf.set(root['bom-ref'], 'ROOT');
  for (const c of allComponents(bom)) {
    if (c['bom-ref'] !== undefined && c.purl) purlOf.set(c['bom-ref'], shortPurl(c.purl));
  }
  const edges = new Set();
  for (const d of bom.dependencies || []) {
    for (const to of d.dependsOn || []) {
      edges.add(`${purlOf.get(d.ref) || d.ref} -> ${purlOf.get(to) || to}`);
    }
  }
  return edges;
}

async function main(argv) {
  if (argv.length === 1 && !argv[0].startsWith('--')) return validate(argv[0]);
  if (argv.length === 3 && argv[0] === '--compare') {
    return diff('component sets', purlSet(readBom(argv[1])), purlSet(readBom(argv[2])));
  }
  if (argv.length === 3 && argv[0] === '--compare-graph') {
    return diff('dependency edges', edgeSet(readBom(argv[1])), edgeSet(readBom(argv[2])));
  }
  return fail(2, 'usage: validate.js SBOM.json | --compare OURS THEIRS | --compare-graph OURS THEIRS');
}

main(process.argv.slice(2)).catch((e) => fail(2, `validate.js: ${e.stack || e}`));
