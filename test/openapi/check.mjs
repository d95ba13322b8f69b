// Checks an OpenAPI 3.1 document: the official schema (@seriousme/openapi-schema-validator),
// then what that schema cannot see: every $ref resolves, every schema object is a valid JSON
// Schema 2020-12 schema, path templates and path parameters agree, operationIds are unique,
// and public routes (x-aether-access) are exactly those with `security: []`.
// Usage: node check.mjs TOOLS_DIR OPENAPI_JSON. Prints "ok"/"FAIL" lines; exit 1 on a failure.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [toolsDir, docPath] = process.argv.slice(2);
const require = createRequire(path.join(toolsDir, "package.json"));
const { Validator } = await import(
  require.resolve("@seriousme/openapi-schema-validator"));
const Ajv2020 = require("ajv/dist/2020").default;

const doc = JSON.parse(readFileSync(docPath, "utf8"));
const failures = [];
const fail = (what) => failures.push(what);

// 1. The official OpenAPI schema for the document's version.
const validator = new Validator();
const result = await validator.validate(doc);
if (!result.valid) fail("OpenAPI schema: " + JSON.stringify(result.errors, null, 2));
else if (validator.version !== "3.1") fail(`expected OpenAPI 3.1, got ${validator.version}`);

// 2. Every local $ref points at something.
function resolve(ref) {
  if (!ref.startsWith("#/")) return undefined;
  let node = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object" || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}
const deref = (node) => (node && node.$ref ? resolve(node.$ref) : node);
function walk(node, where, visit) {
  if (node === null || typeof node !== "object") return;
  visit(node, where);
  for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`, visit);
}
walk(doc, "#", (node, where) => {
  if (typeof node.$ref === "string" && resolve(node.$ref) === undefined) {
    fail(`${where}: $ref ${node.$ref} does not resolve`);
  }
});

// 3. Schema objects are valid JSON Schema 2020-12 (the base dialect's vocabulary).
const ajv = new Ajv2020({ strict: false });
const schemas = [];
const collect = (s, where) => s && typeof s === "object" && schemas.push([s, where]);
for (const [name, s] of Object.entries(doc.components?.schemas ?? {})) {
  collect(s, `components/schemas/${name}`);
}
walk(doc, "#", (node, where) => {
  if (where.includes("/components/schemas")) return;
  if (node.schema && typeof node.schema === "object") collect(node.schema, `${where}/schema`);
});
for (const [s, where] of schemas) {
  if (!ajv.validateSchema(s)) fail(`${where}: ${ajv.errorsText(ajv.errors)}`);
}

// 4. Per operation: path parameters match the template; ids unique; access and security agree.
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const ids = new Map();
let operations = 0;
for (const [p, item] of Object.entries(doc.paths ?? {})) {
  const template = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
  for (const method of methods) {
    const op = item[method];
    if (!op) continue;
    operations++;
    const where = `${method.toUpperCase()} ${p}`;
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
    const declared = params.filter((x) => x?.in === "path").map((x) => x.name).sort();
    if (JSON.stringify(declared) !== JSON.stringify(template)) {
      fail(`${where}: path parameters [${declared}] do not match the template [${template}]`);
    }
    if (!op.operationId) fail(`${where}: no operationId`);
    else if (ids.has(op.operationId)) fail(`${where}: operationId ${op.operationId} repeats`);
    ids.set(op.operationId, where);
    const access = op["x-aether-access"];
    if (!["public", "any", "pull", "read", "deploy", "admin"].includes(access)) fail(`${where}: x-aether-access?`);
    const open = Array.isArray(op.security) && op.security.length === 0;
    if ((access === "public") !== open) fail(`${where}: public iff security is []`);
    if (!op.responses || Object.keys(op.responses).length === 0) fail(`${where}: no responses`);
  }
}

if (failures.length === 0) {
  console.log(`ok   - ${docPath}: valid OpenAPI ${validator.version}, ${operations} operations, ` +
              `${schemas.length} schemas`);
  process.exit(0);
}
for (const f of failures) console.log(`FAIL - ${f}`);
process.exit(1);
