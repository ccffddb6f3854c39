// A real, certified OpenID provider (panva's oidc-provider) for the tests: ID-porten-like for
// applicants and HelseID-like for staff. Starts on 127.0.0.1 on a free port (or PORT) and prints
// its issuer URL as the first line on stdout.
//
//   node tests/oidc/provider.mjs [--rp http://127.0.0.1:8080]...
//
// Users (type the name on the provider's sign-in page): `lise` (pid of a doctor, acr
// idporten-loa-substantial), `lav` (the same kind, but acr idporten-loa-low), `ny` (a doctor with
// no account yet), `hilde` (staff). OIDC_TEST_ACR overrides every user's acr.
//
// Clients: `lis1-idporten` (client secret), `lis1-idporten-jwt` (the same ID-porten-like service,
// authenticating with `private_key_jwt`: RFC 7523 client assertions signed with a key pair this
// script makes at start; its private key, PKCS#8 PEM, is written to a file whose path is the
// second line on stdout, or to OIDC_CLIENT_KEY_FILE) and `lis1-helseid` (client secret). Both
// ID-porten-like clients get pairwise subjects, as at ID-porten: `sub` is the hex SHA-256 of
// `<sector>|<account>|lis1-test-pairwise`, the sector being host:port of the first redirect URI.
//
// Test controls (never in a real provider): POST /__test/rotate rotates the signing key (the JWKS
// gains a second key, which signs every ID token from then on). POST /__test/tamper?mode=nonce|aud|expired|key makes
// the next token response's ID token hand-made: re-signed with a wrong nonce, another audience,
// an expiry in the past, or a key that is not in the JWKS. Used only for the cases the real
// provider cannot be made to produce.
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import Provider from 'oidc-provider';
import http from 'node:http';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rps = [];
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--rp' && process.argv[i + 1]) rps.push(process.argv[++i].replace(/\/$/, ''));
}
if (rps.length === 0) rps.push('http://127.0.0.1:8080');

const USERS = {
  lise: { pid: '15839710035', name: 'Lise Lege', acr: 'idporten-loa-substantial' },
  lav: { pid: '15839710116', name: 'Lav Sikkerhet', acr: 'idporten-loa-low' },
  ny: { pid: '15839710388', name: 'Nina Ny', acr: 'idporten-loa-high' },
  annen: { pid: '15839710035', name: 'Lise Lege (annen klient)', acr: 'idporten-loa-substantial' },
  hilde: { name: 'Hilde HR', acr: 'helseid-loa-high' },
};

const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'lis1-test-1', alg: 'RS256', use: 'sig' };
// Key rotation (POST /__test/rotate): from then on the JWKS also lists this second key, and
// every ID token is signed with it.
const second = await generateKeyPair('RS256', { extractable: true });
const rotatedJwks = {
  keys: [
    { ...(await exportJWK(publicKey)), kid: 'lis1-test-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(second.publicKey)), kid: 'lis1-test-2', alg: 'RS256', use: 'sig' },
  ],
};
let rotated = false;
const rogue = (await generateKeyPair('RS256', { extractable: true })).privateKey;

// The private_key_jwt client's key pair: the public half is the client's registered JWKS.
const clientKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const clientJwk = { ...clientKeys.publicKey.export({ format: 'jwk' }), kid: 'lis1-client-1', alg: 'RS256', use: 'sig' };
const clientKeyFile = process.env.OIDC_CLIENT_KEY_FILE || join(tmpdir(), `lis1-oidc-client-${process.pid}.pem`);
writeFileSync(clientKeyFile, clientKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

const client = (id, secret, key, extra = {}) => ({
  client_id: id,
  ...(secret ? { client_secret: secret } : {}),
  redirect_uris: rps.map((rp) => `${rp}/logg-inn/oidc/${key}/callback`),
  post_logout_redirect_uris: rps.map((rp) => `${rp}/logg-inn?utlogget=1`),
  // sid in the ID token (the RP's front-channel logout needs it).
  backchannel_logout_uri: `${rps[0]}/logg-ut/oidc/bakkanal`,
  backchannel_logout_session_required: true,
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...extra,
});

const server = http.createServer();
await new Promise((r) => server.listen(Number(process.env.PORT || 0), '127.0.0.1', r));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    client('lis1-idporten', 'idporten-test-secret', 'idporten', { subject_type: 'pairwise' }),
    client('lis1-idporten-jwt', null, 'idporten-jwt', {
      subject_type: 'pairwise',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: { keys: [clientJwk] },
    }),
    client('lis1-helseid', 'helseid-test-secret', 'helseid'),
  ],
  jwks: { keys: [jwk] },
  subjectTypes: ['public', 'pairwise'],
  pairwiseIdentifier: async (ctx, accountId, c) =>
    createHash('sha256').update(`${c.sectorIdentifier}|${accountId}|lis1-test-pairwise`).digest('hex'),
  cookies: { keys: ['lis1-test-cookie-key'] },
  acrValues: ['idporten-loa-low', 'idporten-loa-substantial', 'idporten-loa-high', 'helseid-loa-high'],
  claims: { openid: ['sub', 'sid'], profile: ['name'], pid: ['pid'] },
  // ID-porten puts pid in the ID token itself.
  conformIdTokenClaims: false,
  scopes: ['openid', 'profile', 'pid'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Logg ut', `${form}<p>Vil du logge ut av testleverandøren?</p>
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Ja, logg ut</button>`);
      },
    },
    backchannelLogout: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
  },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
  findAccount: async (ctx, id) => {
    const u = USERS[id];
    if (!u) return undefined;
    return {
      accountId: id,
      claims: async () => ({ sub: id, name: u.name, ...(u.pid ? { pid: u.pid } : {}) }),
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Feil', `<p>${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

let tamper = null;

function page(title, body) {
  return `<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}
function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (req.method === 'POST' && url.pathname === '/__test/tamper') {
      tamper = url.searchParams.get('mode');
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/__test/rotate') {
      rotated = true;
      res.writeHead(204).end();
      return;
    }
    if (rotated && req.method === 'GET' && url.pathname === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify(rotatedJwks));
      return;
    }
    const m = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (m && req.method === 'GET' && !m[2]) {
      const details = await provider.interactionDetails(req, res);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Testinnlogging', `<form method="post" action="/interaction/${details.uid}/login">
        <label for="login">Brukernavn</label> <input id="login" name="login" autocomplete="off">
        <button type="submit">Logg inn</button></form>`));
      return;
    }
    if (m && req.method === 'POST' && m[2]) {
      const form = await readForm(req);
      const details = await provider.interactionDetails(req, res);
      const id = form.login;
      if (!USERS[id]) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page('Ukjent bruker', `<p>Ingen testbruker ${escape(id)}.</p>`));
        return;
      }
      const grant = new provider.Grant({ accountId: id, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      const acr = process.env.OIDC_TEST_ACR || USERS[id].acr;
      await provider.interactionFinished(req, res, { login: { accountId: id, acr }, consent: { grantId } }, { mergeWithLastSubmission: false });
      return;
    }
    if ((tamper || rotated) && req.method === 'POST' && url.pathname === '/token') {
      const mode = tamper || 'rotated';
      tamper = null;
      const chunks = [];
      const origWrite = res.write.bind(res);
      const origEnd = res.end.bind(res);
      const origWriteHead = res.writeHead.bind(res);
      let status = 200;
      let headers = {};
      res.writeHead = (s, h) => { status = s; headers = h || {}; return res; };
      res.write = (c) => { chunks.push(Buffer.from(c)); return true; };
      res.end = async (c) => {
        if (c) chunks.push(Buffer.from(c));
        let body = Buffer.concat(chunks).toString();
        try {
          const json = JSON.parse(body);
          if (json.id_token) json.id_token = await handMade(json.id_token, mode);
          body = JSON.stringify(json);
        } catch (e) { console.error('tamper', e); }
        for (const h of ['content-length', 'Content-Length']) res.removeHeader(h);
        res.setHeader('content-length', Buffer.byteLength(body));
        origWriteHead(status, headers);
        origWrite(body);
        origEnd();
      };
    }
    callback(req, res);
  } catch (e) {
    console.error(e);
    res.writeHead(500).end(String(e));
  }
});

async function handMade(idToken, mode) {
  const claims = decodeJwt(idToken);
  const header = decodeProtectedHeader(idToken);
  let key = privateKey;
  if (mode === 'nonce') claims.nonce = 'not-the-nonce-that-was-sent';
  if (mode === 'aud') claims.aud = 'some-other-client';
  if (mode === 'expired') { claims.iat -= 7200; claims.exp = claims.iat + 60; }
  if (mode === 'key') { key = rogue; header.kid = 'unknown-key'; }
  if (mode === 'rotated') { key = second.privateKey; header.kid = 'lis1-test-2'; }
  return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

console.log(issuer);
console.log(clientKeyFile);
const bye = () => { if (!process.env.OIDC_CLIENT_KEY_FILE) rmSync(clientKeyFile, { force: true }); process.exit(0); };
process.on('SIGTERM', bye);
process.on('SIGINT', bye);
