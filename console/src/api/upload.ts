/**
 * PUTs a package's bytes to the gateway's same-origin PUT /packages/:id/content (which streams
 * them on to the presigned URL): no bucket CORS to configure, and the console's CSP can keep
 * connect-src 'self'. XMLHttpRequest, because fetch reports no upload progress.
 */
export function uploadPackageContent(
  packageId: string,
  file: Blob,
  token: string,
  onProgress: (sentBytes: number, totalBytes: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', `/packages/${encodeURIComponent(packageId)}/content`);
    request.setRequestHeader('authorization', `Bearer ${token}`);
    request.setRequestHeader('content-type', 'application/octet-stream');
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) return resolve();
      reject(new Error(messageOf(request.responseText) ?? `The upload was refused (HTTP ${request.status}).`));
    };
    request.onerror = () => reject(new Error('The upload was interrupted. Try again.'));
    request.onabort = () => reject(new Error('The upload was cancelled.'));
    signal?.addEventListener('abort', () => request.abort());
    request.send(file);
  });
}

function messageOf(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : null;
  } catch {
    return null;
  }
}
