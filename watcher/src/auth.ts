/** Bearer-token check in constant time: both sides are hashed first so lengths never differ. */
import crypto from 'node:crypto';

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

export class TokenCheck {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** True when the Authorization header is `Bearer <the token>`. */
  allows(header: string | undefined): boolean {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
    // Compare even when the header is missing, so timing does not reveal which case failed.
    const presented = digest(match?.[1] ?? '');
    return crypto.timingSafeEqual(presented, this.expected) && match !== null;
  }
}
