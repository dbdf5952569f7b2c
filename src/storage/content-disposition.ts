const MAX_FILENAME_LENGTH = 200;

/** `attachment` with an ASCII fallback filename and the exact UTF-8 name (RFC 6266, RFC 5987). */
export function contentDisposition(filename: string): string {
  const wellFormed = filename.replace(/\p{Surrogate}/gu, '\uFFFD').replace(/\p{Cc}/gu, '');
  return `attachment; filename="${asciiFilename(wellFormed)}"; filename*=UTF-8''${rfc5987Encode(wellFormed)}`;
}

/** Accents dropped, anything outside printable ASCII (and quote, backslash, path separators) replaced. */
export function asciiFilename(filename: string): string {
  const ascii = filename
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]|["\\/%]/g, '_')
    .trim()
    .slice(0, MAX_FILENAME_LENGTH);
  return ascii.length > 0 ? ascii : 'download';
}

/** RFC 5987 ext-value characters: encodeURIComponent leaves a few that attr-char does not allow. */
export function rfc5987Encode(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
