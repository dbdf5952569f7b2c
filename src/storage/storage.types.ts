export interface UploadRequest {
  key: string;
  contentType: string;
  contentLength: number;
  /** Base64 SHA-256 of the content; S3 then refuses any other bytes. */
  sha256Base64?: string;
}

export interface PresignedUpload {
  method: 'PUT';
  url: string;
  /** Exactly the headers the client must send with the PUT. */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface DownloadRequest {
  key: string;
  filename: string;
  contentType: string;
}

export interface PresignedDownload {
  url: string;
  expiresAt: string;
}

export interface ExpectedObject {
  size: number;
  sha256Base64?: string;
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'size' | 'checksum' };
