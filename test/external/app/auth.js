import { createHmac, timingSafeEqual } from 'node:crypto';

// The app's own sign-in, as the README's `userFrom` stands for it: HS256 JWTs carrying
// { sub, plan }. A real app would use its JWT library; Tollgate never sees this secret.
const SECRET = process.env.APP_JWT_SECRET ?? 'app-secret';

/** The claims of a valid `Authorization: Bearer <jwt>`, or `null`. */
export function userFrom(authorization) {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  const [header, payload, signature] = token?.split('.') ?? [];
  if (!header || !payload || !signature) return null;
  const expected = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url');
  if (signature.length !== expected.length) return null;
  if (!timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return null;
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

/** Signs a token for `claims` (the tests' stand-in for the app's login). */
export function signToken(claims) {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
