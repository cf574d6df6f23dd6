/**
 * Deletes `KEYS[1]` only while it still holds `ARGV[1]`, in one atomic step, so a late
 * release cannot delete a newer claim made after the first one expired.
 *
 * @example
 * ```ts
 * await send(['EVAL', RELEASE_SCRIPT, '1', 'hookguard:msg_1', 'claim:3f0c…']);
 * ```
 */
export const RELEASE_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * SHA-1 of {@link RELEASE_SCRIPT}, for `EVALSHA` (a test checks it against Redis's own).
 *
 * @example
 * ```ts
 * await send(['EVALSHA', RELEASE_SCRIPT_SHA1, '1', key, `claim:${token}`]);
 * ```
 */
export const RELEASE_SCRIPT_SHA1 = '6fbe84d1140fd2047394924af9d845b83c070bec';
