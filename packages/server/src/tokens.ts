// Widget tokens: JWT, HS256, 15 minutes, bound to one widget session of one tenant.
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { WIDGET_TOKEN_AUDIENCE, WIDGET_TOKEN_TTL_SECONDS, type WidgetTokenClaims } from '@titan-connect/protocol';

export interface WidgetTokenSubject {
  /** Widget session id. */
  sub: string;
  /** Tenant id. */
  tid: string;
  /** WhatsApp session name. */
  ses: string;
}

/**
 * The secret as a KeyObject, made once per secret. Given a string, jsonwebtoken first tries to
 * parse it as a PEM private key and only uses it as an HMAC secret after that throws: a failed
 * key parse on every token, measured as half the CPU of creating a widget session.
 */
const keys = new Map<string, KeyObject>();
function hmacKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

export interface SignedWidgetToken {
  token: string;
  claims: WidgetTokenClaims;
}

/** Signs a token issued at `nowMs` (the injected clock), expiring 900 s later. */
export function signWidgetToken(secret: string, subject: WidgetTokenSubject, nowMs: number): SignedWidgetToken {
  const iat = Math.floor(nowMs / 1000);
  const claims: WidgetTokenClaims = {
    sub: subject.sub,
    tid: subject.tid,
    ses: subject.ses,
    aud: WIDGET_TOKEN_AUDIENCE,
    iat,
    exp: iat + WIDGET_TOKEN_TTL_SECONDS,
  };
  // iat and exp are in the payload, so jsonwebtoken keeps them instead of reading the real clock.
  return { token: jwt.sign(claims, hmacKey(secret), { algorithm: 'HS256' }), claims };
}

/** Why a token was refused: the widget shows "expired" differently from "invalid". */
export type WidgetTokenProblem = 'missing' | 'invalid' | 'expired';

export class WidgetTokenError extends Error {
  constructor(
    readonly problem: WidgetTokenProblem,
    message: string,
  ) {
    super(message);
    this.name = 'WidgetTokenError';
  }
}

/** A JWT's shape: three base64url parts. Used to spot widget tokens sent to `/api`. */
export const looksLikeJwt = (text: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text);

const isClaims = (value: unknown): value is WidgetTokenClaims => {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.sub === 'string' &&
    c.sub !== '' &&
    typeof c.tid === 'string' &&
    c.tid !== '' &&
    typeof c.ses === 'string' &&
    c.ses !== '' &&
    c.aud === WIDGET_TOKEN_AUDIENCE &&
    typeof c.iat === 'number' &&
    typeof c.exp === 'number'
  );
};

/**
 * How far in the future `iat` may be: tokens are signed by this server or a cluster peer, so only
 * the clock skew between instances (NTP keeps it far below this) is forgiven.
 */
export const IAT_SKEW_SECONDS = 30;

/**
 * Why a correctly signed token still has an impossible lifetime, or null. This server never signs
 * one that lives longer than `WIDGET_TOKEN_TTL_SECONDS` or starts in the future; such a token was
 * minted with a leaked secret or by a bug, and must not buy more than the documented 15 minutes.
 */
export function lifetimeProblem(claims: Pick<WidgetTokenClaims, 'iat' | 'exp'>, nowSeconds: number): string | null {
  const { iat, exp } = claims;
  if (!Number.isInteger(iat) || !Number.isInteger(exp)) return 'iat and exp must be whole seconds';
  if (exp <= iat) return 'exp is not after iat';
  if (exp - iat > WIDGET_TOKEN_TTL_SECONDS) return `lives ${exp - iat} s, more than ${WIDGET_TOKEN_TTL_SECONDS} s`;
  if (iat > nowSeconds + IAT_SKEW_SECONDS) return 'issued in the future';
  return null;
}

/**
 * Verifies signature (HS256 only: `none`, HS512 and RS* are refused), audience and expiry at
 * `nowMs`, and a sane lifetime (`lifetimeProblem`). Throws `WidgetTokenError`. Binding to a
 * stored widget session is the caller's job.
 */
export function verifyWidgetToken(secret: string, token: string | null | undefined, nowMs: number): WidgetTokenClaims {
  if (!token) throw new WidgetTokenError('missing', 'Missing widget token.');
  let payload: unknown;
  try {
    payload = jwt.verify(token, hmacKey(secret), {
      algorithms: ['HS256'],
      audience: WIDGET_TOKEN_AUDIENCE,
      clockTimestamp: Math.floor(nowMs / 1000),
      clockTolerance: 0,
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new WidgetTokenError('expired', 'The widget token has expired.');
    throw new WidgetTokenError('invalid', 'Invalid widget token.');
  }
  // A token must carry its expiry; jsonwebtoken accepts one without `exp` as never expiring.
  if (!isClaims(payload)) throw new WidgetTokenError('invalid', 'Invalid widget token.');
  if (lifetimeProblem(payload, Math.floor(nowMs / 1000)) !== null) throw new WidgetTokenError('invalid', 'Invalid widget token.');
  return payload;
}
