/** The claims the example app's tokens carry. */
export interface Claims {
  sub: string;
  plan: string;
}
export function userFrom(authorization: string | undefined): Claims | null;
export function signToken(claims: Claims): string;
