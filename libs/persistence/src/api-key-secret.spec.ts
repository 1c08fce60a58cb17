import { apiKeyPrefix, generateApiKey, hashApiKey, hashesEqual, isWellFormedApiKey } from './api-key-secret';

describe('API key secrets', () => {
  it('generates distinct high-entropy keys', () => {
    const keys = new Set(Array.from({ length: 100 }, generateApiKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
  });
  it('stores a SHA-256 hash, never the key', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).not.toContain(key.slice(4, 12));
    expect(apiKeyPrefix(key)).toBe(key.slice(0, 8));
  });
  it("lists an operator's own key by the start of its hash, not of its secret", () => {
    const chosen = 'adminadminadminadminadmin1';
    expect(apiKeyPrefix(chosen)).toBe(`sha256:${hashApiKey(chosen).slice(0, 8)}`);
    expect(apiKeyPrefix(chosen)).not.toContain('adm');
  });
  it('compares hashes exactly', () => {
    const hash = hashApiKey('a');
    expect(hashesEqual(hash, hashApiKey('a'))).toBe(true);
    expect(hashesEqual(hash, hashApiKey('b'))).toBe(false);
    expect(hashesEqual(hash, hash.slice(0, 10))).toBe(false);
  });
  it('takes only visible ASCII as a key, so control characters never reach a query', () => {
    expect(isWellFormedApiKey(generateApiKey())).toBe(true);
    for (const bad of ['', '\0aaaaaaa', 'vgl_abc\u0001', 'vgl abc', 'vgl_é', 'x'.repeat(513)]) expect({ bad, ok: isWellFormedApiKey(bad) }).toEqual({ bad, ok: false });
  });
});
