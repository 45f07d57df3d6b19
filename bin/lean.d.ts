// Types of bin/lean.js (plain JavaScript: it runs before tsx is registered).
export declare const cacheDir: (projectRoot?: string) => string;
export declare const inputsKey: (inputs: readonly string[], projectRoot?: string) => string | undefined;
export declare const freshBundle: (projectRoot?: string) => string | undefined;
export declare const ensureBundle: () => string;
export declare const leanModule: () => Promise<typeof import("../src/node/main.ts")>;
