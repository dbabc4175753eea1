// A throw-away OpenID provider for KubeDesk's tests: npm's oidc-provider (installed by
// `cargo xtask setup` into .tools/oidc), with one public native client `kubedesk`, PKCE required,
// the built-in login and consent pages (any login and password), and email and groups in the
// ID token as kube-apiserver reads them. Settings: reference/real-servers.md §3.
//
//   OIDC_PORT=4000 OIDC_PROVIDER_MODULE=file:///…/oidc-provider/lib/index.js node provider.mjs
const { default: Provider } = await import(process.env.OIDC_PROVIDER_MODULE);

const port = Number(process.env.OIDC_PORT ?? 4000);
const issuer = `http://127.0.0.1:${port}`;
const shortTtl = Number(process.env.OIDC_ACCESS_TTL ?? 60);
const knownUsers = {
  alice: { name: 'Alice Admin', email: 'alice@example.test', email_verified: true, groups: ['cluster-admins'] },
};
const claimsOf = (sub) =>
  knownUsers[sub] ?? { name: sub, email: `${sub}@example.test`, email_verified: true, groups: [] };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'kubedesk',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }],
  scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups'] },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, ...claimsOf(sub) }) }),
  features: { devInteractions: { enabled: true } },
  conformIdTokenClaims: false,
  issueRefreshToken: async (_ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  pkce: { required: () => true },
  ttl: { AccessToken: shortTtl, IdToken: shortTtl, AuthorizationCode: 60, Interaction: 600,
         Session: 3600, Grant: 86400, RefreshToken: 86400 },
  cookies: { keys: ['kubedesk-test-only'] },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
provider.on('grant.error', (_ctx, err) =>
  console.error('grant.error', err.message, err.error_description ?? ''));
provider.listen(port, '127.0.0.1', () => console.log(`OpenID provider ready at ${issuer}`));
