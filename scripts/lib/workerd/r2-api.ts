// The R2 binding the app sees under `npm start` on bare workerd: a wrapped binding (an internal
// extension module, config.mjs) that speaks R2's Workers API over RPC to the local store (r2.ts).
// Only what the app uses: put, get, head, list and delete, with http and custom metadata.
import type { ListOptions, ListResult, StoredHead } from "./r2.ts";

interface Store {
  put(key: string, body: ArrayBuffer, httpMetadata: Record<string, string>, customMetadata: Record<string, string>): Promise<StoredHead>;
  get(key: string): Promise<{ head: StoredHead; body: ArrayBuffer } | null>;
  head(key: string): Promise<StoredHead | null>;
  delete(keys: string[]): Promise<void>;
  list(options: ListOptions): Promise<ListResult>;
}

type PutValue = ReadableStream | ArrayBuffer | ArrayBufferView | string | Blob | null;

const HTTP_HEADERS: Record<string, string> = {
  contentType: "content-type",
  contentLanguage: "content-language",
  contentDisposition: "content-disposition",
  contentEncoding: "content-encoding",
  cacheControl: "cache-control",
};

class LocalObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly httpEtag: string;
  readonly uploaded: Date;
  readonly httpMetadata: Record<string, string>;
  readonly customMetadata: Record<string, string>;
  readonly version: string;
  readonly storageClass = "Standard";

  constructor(head: StoredHead) {
    this.key = head.key;
    this.size = head.size;
    this.etag = head.etag;
    this.httpEtag = `"${head.etag}"`;
    this.uploaded = new Date(head.uploaded);
    this.httpMetadata = head.httpMetadata;
    this.customMetadata = head.customMetadata;
    this.version = head.etag;
  }

  writeHttpMetadata(headers: Headers): void {
    for (const [field, header] of Object.entries(HTTP_HEADERS)) if (this.httpMetadata[field]) headers.set(header, this.httpMetadata[field]);
  }
}

class LocalObjectBody extends LocalObject {
  private readonly bytes: ArrayBuffer;
  bodyUsed = false;

  constructor(head: StoredHead, bytes: ArrayBuffer) {
    super(head);
    this.bytes = bytes;
  }
  get body(): ReadableStream {
    return new Response(this.bytes).body!;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.bytes.slice(0);
  }
  async text(): Promise<string> {
    return new TextDecoder().decode(this.bytes);
  }
  async json<T>(): Promise<T> {
    return JSON.parse(await this.text()) as T;
  }
  async blob(): Promise<Blob> {
    return new Blob([this.bytes]);
  }
}

async function bytesOf(value: PutValue): Promise<ArrayBuffer> {
  if (value === null) return new ArrayBuffer(0);
  return new Response(value as BodyInit).arrayBuffer();
}

function httpMetadataOf(value: unknown): Record<string, string> {
  if (!value) return {};
  if (value instanceof Headers) {
    const out: Record<string, string> = {};
    for (const [field, header] of Object.entries(HTTP_HEADERS)) {
      const v = value.get(header);
      if (v) out[field] = v;
    }
    return out;
  }
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

class LocalBucket {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  async put(key: string, value: PutValue, options: { httpMetadata?: unknown; customMetadata?: Record<string, string> } = {}): Promise<LocalObject> {
    const head = await this.store.put(key, await bytesOf(value), httpMetadataOf(options.httpMetadata), options.customMetadata ?? {});
    return new LocalObject(head);
  }

  async get(key: string): Promise<LocalObjectBody | null> {
    const found = await this.store.get(key);
    return found ? new LocalObjectBody(found.head, found.body) : null;
  }

  async head(key: string): Promise<LocalObject | null> {
    const found = await this.store.head(key);
    return found ? new LocalObject(found) : null;
  }

  async delete(keys: string | string[]): Promise<void> {
    await this.store.delete(Array.isArray(keys) ? keys : [keys]);
  }

  async list(options: ListOptions = {}) {
    const page = await this.store.list(options);
    return { ...page, objects: page.objects.map((head) => new LocalObject(head)) };
  }
}

/** The wrapped binding's factory: `store` is the service binding to r2.ts's entrypoint. */
export default function makeBucket(env: { store: Store }): LocalBucket {
  return new LocalBucket(env.store);
}
