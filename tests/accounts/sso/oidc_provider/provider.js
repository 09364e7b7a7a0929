// A real OpenID Provider (panva's oidc-provider) for the single sign-on tests.
//
// It listens on a free port of 127.0.0.1 and prints "issuer <url>" once it answers.
// Clients register themselves through Dynamic Client Registration (/reg). Sign-in and
// consent are automatic: the interaction signs in the account named by the request's
// `login_hint`, so each test chooses who signs in. A test describes its people with
// POST /__test__/accounts {"<login>": {<claims>}}, and with POST /__test__/forge
// {"enabled": true} the ID tokens of the token endpoint are signed again with a key the
// provider never published (same `kid`), as a forger would.
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const accounts = new Map();
let forge = false;

const signingKey = await jose.exportJWK(
  (await jose.generateKeyPair('RS256', { extractable: true })).privateKey,
);
Object.assign(signingKey, { kid: 'test-signing-key', use: 'sig', alg: 'RS256' });
const foreignKey = (await jose.generateKeyPair('RS256')).privateKey;

const server = http.createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  jwks: { keys: [signingKey] },
  cookies: { keys: ['test-cookie-key-not-secret'] },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
  },
  pkce: { required: () => true },
  // Five minutes, well inside the hour the client keeps its `state`: a test that moves the
  // client's clock half an hour on sees an expired ID token, not a forgotten sign-in.
  ttl: { IdToken: 300 },
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'department', 'groups'],
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = accounts.get(id);
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  // First-party client: every sign-in is granted what it asks for, without a consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  await next();
  if (forge && ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    const header = jose.decodeProtectedHeader(ctx.body.id_token);
    const claims = jose.decodeJwt(ctx.body.id_token);
    ctx.body.id_token = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: header.alg, kid: header.kid, typ: header.typ })
      .sign(foreignKey);
  }
});

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body ? JSON.parse(body) : {};
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const login = details.params.login_hint;
  if (details.prompt.name === 'login') {
    const result = accounts.has(login)
      ? { login: { accountId: login } }
      : { error: 'access_denied', error_description: 'No such test account.' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return;
  }
  await provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/__test__/accounts') {
      for (const [login, claims] of Object.entries(await readJson(req))) {
        accounts.set(login, claims);
      }
      res.writeHead(204).end();
    } else if (req.method === 'POST' && req.url === '/__test__/forge') {
      forge = Boolean((await readJson(req)).enabled);
      res.writeHead(204).end();
    } else if (req.url.startsWith('/interaction/')) {
      await interaction(req, res);
    } else {
      callback(req, res);
    }
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
  }
});

console.log(`issuer ${issuer}`);
