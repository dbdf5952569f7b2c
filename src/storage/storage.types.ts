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

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'size' | 'checksum' | 'encryption' };

/** A browser form upload (S3 POST Object): send `fields` first, then the file as the last field, named `file`. */
export interface PresignedPost {
  method: 'POST';
  url: string;
  /** Nothing to set: the browser sends the multipart/form-data content type itself. */
  headers: Record<string, string>;
  fields: Record<string, string>;
  expiresAt: string;
}

export interface MultipartPartUrl {
  partNumber: number;
  url: string;
  /** Exact byte count of this part: bytes [(partNumber − 1) × partSize, + size) of the content; signed. */
  size: number;
}

/** A multipart upload: PUT each part to its URL, keep each answer's ETag, then complete with them. */
export interface PresignedMultipart {
  method: 'PUT';
  /** The first part's URL (every part has its own in `parts`). */
  url: string;
  /** Headers every part PUT must carry besides its content-length. */
  headers: Record<string, string>;
  expiresAt: string;
  uploadId: string;
  partSize: number;
  parts: MultipartPartUrl[];
}

export interface MultipartUploadRequest {
  key: string;
  contentType: string;
  contentLength: number;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** `parts`: S3 refused the part list (wrong ETag, order or size); `no-upload`: it was completed or aborted already. */
export type CompleteMultipartResult = { ok: true } | { ok: false; reason: 'parts' | 'no-upload' };
