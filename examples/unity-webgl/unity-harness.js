// A stand-in for a Unity WebGL build, enough to run a .jslib plugin in a plain page as Unity would:
// - build time: emscripten evaluates the .jslib with LibraryManager, mergeInto and autoAddDeps, then
//   copies each function into the build as source text (as `_Name`), with every "$"-prefixed entry
//   a function lists in its __deps emitted as a global without the "$";
// - run time: C# passes strings as pointers to NUL-terminated UTF-8 in the heap (HEAPU8), freed
//   when the call returns, bools as 0/1; the plugin reads them with UTF8ToString and answers with
//   SendMessage(gameObjectName, methodName, string) to a GameObject's receiver method.

/** Emscripten's stringifyWithFunctions: how an object entry of a library is written into the build. */
function stringifyWithFunctions(value) {
  if (typeof value === "function") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyWithFunctions).join(",")}]`;
  return `{${Object.keys(value).map((k) => `${JSON.stringify(k)}:${stringifyWithFunctions(value[k])}`).join(",")}}`;
}

/** Library keys that describe another entry (__deps, __sig, __postset, ...) rather than being one. */
const isDecorator = (key) => key.includes("__");

/** Evaluates a .jslib the way emscripten's compiler does; returns the library it merged into. */
function evaluateLibrary(source) {
  const LibraryManager = { library: {} };
  const mergeInto = (target, extra) => {
    for (const [key, value] of Object.entries(extra)) {
      if (key.endsWith("__deps") && !Array.isArray(value)) throw new Error(`${key} must be an array`);
      target[key] = value;
    }
  };
  const autoAddDeps = (object, name) => {
    for (const key of Object.keys(object)) {
      if (isDecorator(key)) continue;
      (object[`${key}__deps`] ??= []).push(name);
    }
  };
  new Function("LibraryManager", "mergeInto", "autoAddDeps", source)(LibraryManager, mergeInto, autoAddDeps);
  return LibraryManager.library;
}

/**
 * Links the library's functions into one scope holding `runtime` (UTF8ToString, SendMessage, ...),
 * as the build's framework does: only text goes across, so a function that closes over anything
 * else in the .jslib, or uses a "$" entry it does not list in __deps, fails here as in a build.
 */
function link(library, runtime) {
  const functions = Object.keys(library).filter((k) => !k.startsWith("$") && !isDecorator(k));
  const deps = new Set();
  const visit = (key) => {
    for (const dep of library[`${key}__deps`] ?? []) {
      if (deps.has(dep)) continue;
      if (!(dep in library) && !(dep.replace(/^\$/, "") in runtime)) throw new Error(`${key} depends on ${dep}, which nothing defines`);
      deps.add(dep);
      if (dep in library) visit(dep);
    }
  };
  functions.forEach(visit);
  let code = "";
  for (const dep of deps) if (dep.startsWith("$") && dep in library) code += `var ${dep.slice(1)} = ${stringifyWithFunctions(library[dep])};\n`;
  for (const f of functions) code += `var _${f} = ${library[f].toString()};\n`;
  code += `return { ${functions.map((f) => `${JSON.stringify(f)}: _${f}`).join(", ")} };`;
  return new Function(...Object.keys(runtime), code)(...Object.values(runtime));
}

/** The wasm heap as C# strings see it: a bump allocator, and freed bytes overwritten, as reuse would. */
function createHeap(bytes = 1 << 20) {
  const HEAPU8 = new Uint8Array(bytes);
  const sizes = new Map();
  let top = 8;
  const _malloc = (n) => {
    if (top + n > bytes) throw new Error("fake heap exhausted");
    const ptr = top;
    top += (n + 7) & ~7;
    sizes.set(ptr, n);
    return ptr;
  };
  const _free = (ptr) => {
    HEAPU8.fill(0x3f, ptr, ptr + sizes.get(ptr)); // "???": a plugin reading a pointer after the call sees garbage
    sizes.delete(ptr);
    if (sizes.size === 0) top = 8;
  };
  const UTF8ToString = (ptr, maxBytesToRead = Infinity) => {
    if (!ptr) return "";
    let end = ptr;
    while (HEAPU8[end] && end - ptr < maxBytesToRead) end++;
    return new TextDecoder().decode(HEAPU8.subarray(ptr, end));
  };
  const allocateUTF8 = (text) => {
    const utf8 = new TextEncoder().encode(text);
    const ptr = _malloc(utf8.length + 1);
    HEAPU8.set(utf8, ptr);
    HEAPU8[ptr + utf8.length] = 0;
    return ptr;
  };
  return { HEAPU8, _malloc, _free, UTF8ToString, allocateUTF8 };
}

/**
 * A fake Unity instance running the plugin `jslib` (its source text). `gameObjects` maps a
 * GameObject's name to its receiver method names; `onMessage({ object, method, json })` hears every
 * SendMessage that reached one. Returns `call(name, ...args)`, the C# side of [DllImport("__Internal")],
 * and `exports`, the linked functions by name (without the build's "_").
 */
export function createUnity({ jslib, gameObjects, onMessage = () => {} }) {
  const heap = createHeap();
  // Unity's SendMessage: a GameObject by name, a receiver taking one string or number
  const SendMessage = (object, method, param) => {
    const receivers = gameObjects[object];
    if (!receivers) return console.error(`SendMessage: object ${object} not found!`);
    if (!receivers.includes(method)) return console.error(`SendMessage: object ${object} does not have receiver for function ${method}!`);
    if (typeof param !== "string" && typeof param !== "number" && param !== undefined) {
      return console.error(`SendMessage: ${method}: the parameter must be a string or a number, not ${typeof param}`);
    }
    onMessage({ object, method, json: param });
  };
  const exports = link(evaluateLibrary(jslib), { SendMessage, UTF8ToString: heap.UTF8ToString, HEAPU8: heap.HEAPU8, _malloc: heap._malloc, _free: heap._free });
  const call = (name, ...args) => {
    const fn = exports[name];
    if (!fn) throw new Error(`EntryPointNotFoundException: ${name}`);
    // marshalled as IL2CPP does for an extern: strings copied to the heap for the call, bools as ints
    const pointers = [];
    const native = args.map((a) => {
      if (typeof a === "string") { const p = heap.allocateUTF8(a); pointers.push(p); return p; }
      if (a === null) return 0;
      if (typeof a === "boolean") return a ? 1 : 0;
      return a;
    });
    try {
      return fn(...native);
    } finally {
      pointers.forEach(heap._free);
    }
  };
  return { call, exports };
}
