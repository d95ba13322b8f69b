// Compares aether's presigned S3 URLs (s3_presign_tool) with the official AWS SDK for
// JavaScript v3 (@aws-sdk/s3-request-presigner getSignedUrl over @aws-sdk/client-s3 commands).
// Driven by presign-compare.sh.
//
//   node presign-compare.mjs cases                          print the cases (JSON) for the tool
//   node presign-compare.mjs compare SDK_DIR CASES OURS     compare; exit 1 on any difference
//   node presign-compare.mjs live-cases ENDPOINT BUCKET KEY SECRET   cases signed "now"
//   node presign-compare.mjs live SDK_DIR CASES OURS        use both URLs against a real S3
//
// Each case is compared in two shapes:
//   sdk     the SDK's defaults: its URLs carry `x-id=<Operation>` and
//           `X-Amz-Content-Sha256=UNSIGNED-PAYLOAD` (the presigner sets that header and the signer
//           hoists it into the query), so the tool is given the same two extra query parameters.
//   aether  the URLs aether hands out: the SDK is told not to hoist or sign the
//           x-amz-content-sha256 header it adds, and a build-step middleware drops `x-id`.
// In both shapes the case's signed headers are passed as `unhoistableHeaders` (the SDK would
// otherwise move x-amz-meta-* into the query; x-amz-server-side-encryption* it keeps anyway).
//
// getSignedUrl always signs UNSIGNED-PAYLOAD: its presigner overwrites x-amz-content-sha256. A
// case that signs a real x-amz-content-sha256 (aether's uploads, bound to the digest) is
// therefore presigned with the SDK's own SigV4 signer (@smithy/signature-v4, which
// getSignedUrl uses underneath) on the request the SDK serialised: that signer takes the
// payload hash from the x-amz-content-sha256 header, as S3 and RGW do when checking it.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [mode, ...args] = process.argv.slice(2);

const AK = 'AKIAIOSFODNN7EXAMPLE';
const SK = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'IQoJb3JpZ2luX2VjEPr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token/with=odd&chars';
const T = 1732793400; // 2024-11-28T11:30:00Z
const SHA = 'a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e';
const CONTENT_SHA = 'x-amz-content-sha256';

function baseCases() {
  const local = { endpoint: 'http://127.0.0.1:17480', bucket: 'aether-test', region: 'us-east-1' };
  const host = { endpoint: 'http://s3.test.internal:9000', bucket: 'aether-artifacts', region: 'eu-central-1' };
  const aws = { endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'aether-prod', region: 'eu-west-1' };
  const put = { method: 'PUT', expires: 900 };
  const get = { method: 'GET', expires: 3600 };
  const tok = { session_token: TOKEN };
  const meta = { headers: { 'x-amz-meta-sha256': SHA } };
  const metaSha = { headers: { 'x-amz-meta-sha256': SHA, [CONTENT_SHA]: SHA } };
  const part = { query: { partNumber: '7', uploadId: '2~abc/DEF+ghi=' } };
  return [
    { name: 'put-path', ...local, ...put, key: 'cas/sha256/ab/abcdef', path_style: true },
    { name: 'get-path', ...local, ...get, key: 'cas/sha256/ab/abcdef', path_style: true },
    { name: 'put-vhost', ...host, ...put, key: 'cas/x.tar.zst', path_style: false },
    { name: 'get-vhost-aws', ...aws, ...get, key: 'cas/x.tar.zst', path_style: false },
    { name: 'get-path-token', ...local, ...get, ...tok, key: 'a/b', path_style: true },
    { name: 'put-vhost-token', ...aws, ...put, ...tok, key: 'a/b', path_style: false },
    { name: 'put-meta', ...local, ...put, ...meta, key: 'staging/abc', path_style: true },
    { name: 'put-meta-vhost-token', ...aws, ...put, ...meta, ...tok, key: 'staging/abc', path_style: false },
    { name: 'put-meta-contentsha', ...local, ...put, ...metaSha, key: 'staging/abc', path_style: true },
    { name: 'put-meta-contentsha-vhost', ...aws, ...put, ...metaSha, ...tok, key: 'staging/abc', path_style: false },
    { name: 'put-sse-aes256', ...local, ...put, headers: { 'x-amz-server-side-encryption': 'AES256' }, key: 'k', path_style: true },
    {
      name: 'put-sse-kms', ...aws, ...put, key: 'k', path_style: false,
      headers: {
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        'x-amz-meta-sha256': SHA,
      },
    },
    { name: 'upload-part', ...local, ...put, ...part, key: 'staging/big', path_style: true },
    { name: 'upload-part-vhost-token', ...aws, ...put, ...part, ...tok, key: 'staging/big', path_style: false },
    { name: 'key-space-plus', ...local, ...put, key: 'dir with space/a+b=c&d', path_style: true },
    { name: 'key-unicode', ...host, ...get, key: 'ünïcødé/文件 (1)!*\'~.txt', path_style: false },
    { name: 'key-reserved', ...local, ...get, key: 'a%2Fb/c;d:e@f$g,h#i?j', path_style: true },
    { name: 'key-slashes', ...aws, ...get, key: '/leading//double/', path_style: false },
  ].map((c) => ({ access_key: AK, secret_key: SK, time: T, ...c }));
}

// The SDK operation behind a case.
function operation(c) {
  if (c.method === 'GET') return 'GetObject';
  return c.query?.uploadId ? 'UploadPart' : 'PutObject';
}

// The tool's input for one shape of a case: the SDK's extra query parameters in shape "sdk".
function withShape(c, shape) {
  const out = { ...c, name: `${c.name}/${shape}`, shape, query: { ...(c.query ?? {}) } };
  if (shape === 'sdk') {
    out.query['x-id'] = operation(c);
    if (!c.headers?.[CONTENT_SHA]) out.query['X-Amz-Content-Sha256'] = 'UNSIGNED-PAYLOAD';
  }
  return out;
}

function allCases() {
  return baseCases().flatMap((c) => [withShape(c, 'sdk'), withShape(c, 'aether')]);
}

function loadSdk(dir) {
  const require = createRequire(path.join(path.resolve(dir), 'node_modules') + path.sep);
  return {
    s3: require('@aws-sdk/client-s3'),
    presigner: require('@aws-sdk/s3-request-presigner'),
    sigv4: require('@smithy/signature-v4'),
    http: require('@smithy/protocol-http'),
    formatUrl: require('@aws-sdk/util-format-url').formatUrl,
  };
}

function commandFor(sdk, c) {
  const h = c.headers ?? {};
  const input = { Bucket: c.bucket, Key: c.key };
  const metadata = {};
  for (const [name, value] of Object.entries(h)) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  if (Object.keys(metadata).length > 0) input.Metadata = metadata;
  if (h['x-amz-server-side-encryption']) input.ServerSideEncryption = h['x-amz-server-side-encryption'];
  if (h['x-amz-server-side-encryption-aws-kms-key-id']) {
    input.SSEKMSKeyId = h['x-amz-server-side-encryption-aws-kms-key-id'];
  }
  const op = operation(c);
  if (op === 'UploadPart') {
    input.PartNumber = Number(c.query.partNumber);
    input.UploadId = c.query.uploadId;
  }
  return new sdk.s3[`${op}Command`](input);
}

function clientFor(sdk, c) {
  const client = new sdk.s3.S3Client({
    region: c.region,
    endpoint: c.endpoint,
    forcePathStyle: c.path_style,
    credentials: { accessKeyId: c.access_key, secretAccessKey: c.secret_key, sessionToken: c.session_token },
    // SDK versions from 3.729 on add checksum headers to PutObject/UploadPart by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  if (c.shape === 'aether') {
    client.middlewareStack.add(
      (next) => async (args) => {
        delete args.request.query['x-id'];
        return next(args);
      },
      { step: 'build', name: 'aetherDropXId' },
    );
  }
  return client;
}

// Signed-header names the SDK must leave as headers.
function unhoistable(c) {
  const names = new Set(Object.keys(c.headers ?? {}).map((n) => n.toLowerCase()));
  if (c.shape === 'aether') names.add(CONTENT_SHA);
  return names;
}

// In shape "aether", the UNSIGNED-PAYLOAD header the SDK adds is neither signed nor hoisted
// (a case that signs its own x-amz-content-sha256 keeps it signed).
function unsignable(c) {
  return c.shape === 'aether' && !c.headers?.[CONTENT_SHA] ? new Set([CONTENT_SHA]) : undefined;
}

async function sdkPresign(sdk, c) {
  const client = clientFor(sdk, c);
  const command = commandFor(sdk, c);
  const options = { expiresIn: c.expires, signingDate: new Date(c.time * 1000), unhoistableHeaders: unhoistable(c) };
  if (unsignable(c)) options.unsignableHeaders = unsignable(c);
  if (!c.headers?.[CONTENT_SHA]) {
    return { via: 'getSignedUrl', url: await sdk.presigner.getSignedUrl(client, command, options) };
  }
  // A real payload hash: the SDK's SigV4 signer on the request the client serialised, stopped
  // before it is signed for sending. Same preparation as S3RequestPresigner minus the
  // UNSIGNED-PAYLOAD override (getSignedUrl drops the same three SDK headers).
  let captured;
  const stop = new Error('captured');
  client.middlewareStack.add(
    () => async (args) => {
      captured = args.request;
      throw stop;
    },
    { step: 'build', priority: 'low', name: 'aetherCapture' },
  );
  try {
    await client.send(command);
  } catch (e) {
    if (e !== stop) throw e;
  }
  const request = sdk.http.HttpRequest.clone(captured);
  for (const name of ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent']) delete request.headers[name];
  request.headers[CONTENT_SHA] = c.headers[CONTENT_SHA];
  if (!request.headers.host) request.headers.host = `${request.hostname}${request.port ? `:${request.port}` : ''}`;
  const signer = new sdk.sigv4.SignatureV4({
    credentials: { accessKeyId: c.access_key, secretAccessKey: c.secret_key, sessionToken: c.session_token },
    region: c.region,
    service: 's3',
    sha256: client.config.sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.presign(request, {
    ...options,
    unsignableHeaders: new Set(['content-type', ...(options.unsignableHeaders ?? [])]),
  });
  return { via: 'SignatureV4', url: sdk.formatUrl(signed) };
}

// The query as a sorted list of raw "name=value" strings (encoding compared as is).
function rawParams(u) {
  const q = new URL(u).search.replace(/^\?/, '');
  return q === '' ? [] : q.split('&').sort();
}

function param(u, name) {
  return new URL(u).searchParams.get(name) ?? '';
}

function compareOne(c, ours, theirs) {
  const problems = [];
  const a = new URL(ours);
  const b = new URL(theirs);
  if (a.origin !== b.origin) problems.push(`origin ${a.origin} != ${b.origin}`);
  if (a.pathname !== b.pathname) problems.push(`path ${a.pathname} != ${b.pathname}`);
  const pa = rawParams(ours);
  const pb = rawParams(theirs);
  const onlyOurs = pa.filter((p) => !pb.includes(p));
  const onlySdk = pb.filter((p) => !pa.includes(p));
  if (onlyOurs.length > 0 || onlySdk.length > 0) {
    problems.push(`query: only ours [${onlyOurs.join(' ')}], only SDK [${onlySdk.join(' ')}]`);
  }
  return problems;
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

async function compare(sdkDir, casesFile, oursFile) {
  const sdk = loadSdk(sdkDir);
  const cases = readJson(casesFile);
  const ours = readJson(oursFile);
  if (ours.length !== cases.length) throw new Error(`${ours.length} URLs for ${cases.length} cases`);
  let failed = 0;
  console.log(`${pad('case', 40)} ${pad('method', 6)} ${pad('SDK via', 12)} ${pad('signed headers', 44)} ${pad('ours', 16)} ${pad('SDK', 16)} result`);
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const { via, url } = await sdkPresign(sdk, c);
    const problems = compareOne(c, ours[i].url, url);
    const sigA = param(ours[i].url, 'X-Amz-Signature').slice(0, 16);
    const sigB = param(url, 'X-Amz-Signature').slice(0, 16);
    const signed = param(url, 'X-Amz-SignedHeaders');
    console.log(`${pad(c.name, 40)} ${pad(c.method, 6)} ${pad(via, 12)} ${pad(signed, 44)} ${pad(sigA, 16)} ${pad(sigB, 16)} ${problems.length ? 'DIFFERENT' : 'same'}`);
    if (problems.length) {
      failed++;
      console.log(`    ours: ${ours[i].url}\n    SDK:  ${url}`);
      for (const p of problems) console.log(`    ${p}`);
    }
  }
  console.log(`\n${cases.length - failed}/${cases.length} cases: aether's URL equals the AWS SDK's`);
  return failed === 0 ? 0 : 1;
}

// Live: cases signed now against a real S3 (RGW); each URL is used with fetch().
function liveCases(endpoint, bucket, key, secret) {
  const now = Math.floor(Date.now() / 1000);
  const body = 'aether presign live check\n';
  const sha = (s) => createRequire(import.meta.url)('node:crypto').createHash('sha256').update(s).digest('hex');
  const common = { endpoint, bucket, region: 'us-east-1', access_key: key, secret_key: secret, time: now, expires: 300, path_style: true, shape: 'aether', body };
  const name = `presign-live/${process.pid}-${now}/obj ü+1`;
  return [
    { ...common, name: 'live-put', method: 'PUT', key: name, query: {} },
    { ...common, name: 'live-put-meta', method: 'PUT', key: name, headers: { 'x-amz-meta-sha256': sha(body) } },
    { ...common, name: 'live-put-meta-contentsha', method: 'PUT', key: name, headers: { 'x-amz-meta-sha256': sha(body), [CONTENT_SHA]: sha(body) } },
    { ...common, name: 'live-get', method: 'GET', key: name },
    // Refusals: a body that is not the signed sha256, the signed headers left out, a GET URL
    // used for a PUT.
    { ...common, name: 'live-contentsha-wrong-body', method: 'PUT', key: name, headers: { [CONTENT_SHA]: sha(body) }, send_body: 'tampered\n', expect: 400 },
    { ...common, name: 'live-meta-header-missing', method: 'PUT', key: name, headers: { 'x-amz-meta-sha256': sha(body) }, send_headers: false, expect: 403 },
    { ...common, name: 'live-get-url-as-put', method: 'GET', key: name, send_method: 'PUT', expect: 403 },
  ];
}

async function live(sdkDir, casesFile, oursFile) {
  const sdk = loadSdk(sdkDir);
  const cases = readJson(casesFile);
  const ours = readJson(oursFile);
  let failed = 0;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    const { via, url } = await sdkPresign(sdk, c);
    const row = [];
    for (const [who, u] of [['ours', ours[i].url], [`SDK(${via})`, url]]) {
      const method = c.send_method ?? c.method;
      const init = { method, headers: c.send_headers === false ? {} : { ...(c.headers ?? {}) } };
      if (method === 'PUT') init.body = c.send_body ?? c.body;
      const res = await fetch(u, init);
      const text = await res.text();
      const expect = c.expect ?? 200;
      const ok = res.status === expect && (expect !== 200 || method !== 'GET' || text === c.body);
      if (!ok) failed++;
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
      row.push(`${who} ${res.status}${code ? ` ${code}` : ''}${ok ? '' : ` (expected ${expect})`}`);
    }
    console.log(`${pad(c.name, 28)} ${row.join(' | ')}`);
  }
  return failed === 0 ? 0 : 1;
}

try {
  let rc = 0;
  if (mode === 'cases') console.log(JSON.stringify(allCases(), null, 2));
  else if (mode === 'compare') rc = await compare(...args);
  else if (mode === 'live-cases') console.log(JSON.stringify(liveCases(...args), null, 2));
  else if (mode === 'live') rc = await live(...args);
  else {
    console.error('usage: presign-compare.mjs cases | compare SDK_DIR CASES OURS | live-cases ENDPOINT BUCKET KEY SECRET | live SDK_DIR CASES OURS');
    rc = 2;
  }
  process.exitCode = rc;
} catch (e) {
  console.error(`presign-compare: ${e.stack ?? e}`);
  process.exitCode = 2;
}
