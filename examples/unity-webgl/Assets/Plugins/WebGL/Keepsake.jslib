// Keepsake for Unity WebGL: the browser side of KeepsakeMemory.cs.
//
// C# calls these functions through [DllImport("__Internal")]. Strings arrive as pointers into the
// heap and are read at once with UTF8ToString (C# frees them when the call returns); booleans and
// ints arrive as numbers. Each call returns a request id (an int, never a string) and answers later,
// always after the call has returned, with SendMessage(gameObjectName, "OnKeepsake…", json) to the
// GameObject named at init; failures answer OnKeepsakeError with { requestId, op, code, message }.
//
// Needs the SDK's global `Keepsake` (keepsake.iife.js), which the WebGL template loads with a script
// tag before Unity's loader. Plain ES5: older Unity versions reject newer syntax in .jslib files.
var KeepsakeBridge = {
  // The plugin's state. Emscripten emits a "$"-prefixed entry as a global of the build named without
  // the "$" (KeepsakeState), but only if a function lists it in its __deps: autoAddDeps below adds it
  // to every function's. The build copies each function as source text, so functions must not refer
  // to anything else in this file: helpers live here too.
  $KeepsakeState: {
    objectName: "",
    client: null,
    // the current session, as a promise: calls made right after KeepsakeConnect wait for it
    session: null,
    nextRequest: 1,
    // the player's token for a relay in token mode ("" in open mode), see KeepsakeSetToken
    token: "",

    send: function (method, payload) {
      SendMessage(KeepsakeState.objectName, method, JSON.stringify(payload));
    },

    error: function (code, message) {
      var e = new Error(message);
      e.code = code;
      return e;
    },

    fail: function (requestId, op, e) {
      KeepsakeState.send("OnKeepsakeError", {
        requestId: requestId, op: op, code: (e && e.code) || "E_INTERNAL", message: String((e && e.message) || e),
      });
    },

    // Runs work() (a value or a promise of one) after the C# call returned; sends its result, with the
    // request id, to `method`, or its error to OnKeepsakeError. Returns the request id.
    run: function (op, method, work) {
      if (!KeepsakeState.client) {
        console.error("Keepsake: call KeepsakeMemory.Init() before " + op + " (no GameObject to answer yet)");
        return 0;
      }
      var requestId = KeepsakeState.nextRequest++;
      Promise.resolve().then(work).then(function (result) {
        result.requestId = requestId;
        KeepsakeState.send(method, result);
      }, function (e) {
        KeepsakeState.fail(requestId, op, e);
      });
      return requestId;
    },

    // run() for a call on the current session: work(session) once KeepsakeConnect's session is open;
    // E_CONFLICT when there is none yet.
    withSession: function (op, method, work) {
      return KeepsakeState.run(op, method, function () {
        if (!KeepsakeState.session) throw KeepsakeState.error("E_CONFLICT", op + ": no session yet; call Connect() first");
        return KeepsakeState.session.then(work);
      });
    },

    record: function (op, role, text) {
      return KeepsakeState.withSession(op, "OnKeepsakeTurnRecorded", function (s) {
        var turn = role === "user" ? s.recordUserTurn(text) : role === "character" ? s.recordCharacterTurn(text) : s.recordEvent(text);
        return turn.then(function (t) { return { seq: t.seq, role: t.role }; });
      });
    },

    // A MemoryRecord as KeepsakeMemory.cs declares it: absent strings are "", metadata a JSON string
    // (JsonUtility has no dictionaries), score only on search results.
    memory: function (m) {
      var scope = m.scope;
      var r = {
        id: m.id, memory: m.memory, pinned: m.pinned, createdAt: m.createdAt, updatedAt: m.updatedAt, expiresAt: m.expiresAt || "",
        scope: { kind: scope.kind, endUserId: scope.endUserId || "", characterId: scope.characterId || "", store: scope.store || "" },
        metadataJson: JSON.stringify(m.metadata || {}),
        sources: m.sources.map(function (s) { return { sessionId: s.sessionId, seq: s.seq }; }),
      };
      if (typeof m.score === "number") r.score = m.score;
      return r;
    },

    memories: function (list) {
      return list.map(KeepsakeState.memory);
    },

    addResult: function (r) {
      return { id: r.id, memory: r.memory, event: r.event, previous: r.previous || "" };
    },
  },

  // objectName: the GameObject that receives every answer. endUserId "" uses the SDK's device id
  // (localStorage). Returns 1, or 0 when the SDK is not on the page (then it logs why).
  KeepsakeInit: function (objectName, relayUrl, characterId, endUserId, isEnabled) {
    var state = KeepsakeState;
    var id = UTF8ToString(endUserId);
    if (typeof Keepsake === "undefined") {
      console.error("Keepsake: the SDK is not loaded; use the Keepsake WebGL template (it loads keepsake.iife.js before Unity)");
      return 0;
    }
    if (state.client) state.client.close();
    state.objectName = UTF8ToString(objectName);
    state.session = null;
    state.client = new Keepsake.KeepsakeClient({
      relayUrl: UTF8ToString(relayUrl),
      characterId: UTF8ToString(characterId),
      identity: id ? new Keepsake.StaticEndUserIdProvider(id) : new Keepsake.DeviceEndUserIdProvider(),
      settings: { isEnabled: !!isEnabled },
      // asked at every connection, reconnection and REST call: always the latest KeepsakeSetToken
      token: function () { return state.token || undefined; },
    });
    var client = state.client;
    // pushes from the relay; a client replaced by a later init says nothing more
    client.on("memoriesUpdated", function (p, s) {
      if (state.client !== client) return;
      state.send("OnKeepsakeMemoriesUpdated", { sessionId: s.id, total: p.total, context: p.context, memories: state.memories(p.memories) });
    });
    client.on("sessionProcessed", function (p) {
      if (state.client === client) state.send("OnKeepsakeSessionProcessed", { sessionId: p.sessionId, results: p.results.map(state.addResult) });
    });
    client.on("error", function (e) {
      if (state.client === client) state.fail(0, "background", e);
    });
    client.on("warning", function (message) {
      if (state.client === client) state.send("OnKeepsakeWarning", { message: message });
    });
    return 1;
  },

  // Token mode (KEEPSAKE_AUTH=token): the player's token (a JWT your game's backend signs). Set a
  // fresh one before the current one expires; "" for none (open mode). Kept across KeepsakeInit.
  KeepsakeSetToken: function (token) {
    KeepsakeState.token = UTF8ToString(token);
  },

  // MemorySettings.IsEnabled: applies from the next KeepsakeConnect.
  KeepsakeSetMemoryEnabled: function (isEnabled) {
    if (KeepsakeState.client) KeepsakeState.client.settings.isEnabled = !!isEnabled;
  },

  // Opens a session (closing the previous one: if it was not ended, its turns stay buffered and are
  // shipped at this connect). Answers OnKeepsakeConnected with the memories the relay injected.
  KeepsakeConnect: function () {
    var state = KeepsakeState;
    return state.run("connect", "OnKeepsakeConnected", function () {
      var client = state.client;
      var previous = state.session;
      state.session = (previous ? previous.then(function (s) { s.close(); }, function () {}) : Promise.resolve())
        .then(function () { return client.connect(); });
      return state.session.then(function (s) {
        return { sessionId: s.id, enabled: s.enabled, total: s.total, context: s.context, memories: state.memories(s.memories) };
      });
    });
  },

  KeepsakeRecordUserTurn: function (text) {
    return KeepsakeState.record("recordUserTurn", "user", UTF8ToString(text));
  },

  KeepsakeRecordCharacterTurn: function (text) {
    return KeepsakeState.record("recordCharacterTurn", "character", UTF8ToString(text));
  },

  KeepsakeRecordEvent: function (text) {
    return KeepsakeState.record("recordEvent", "event", UTF8ToString(text));
  },

  // limit 0: the relay's default. Answers OnKeepsakeSearchResults (memories with a score).
  KeepsakeSearch: function (query, limit) {
    var q = UTF8ToString(query);
    return KeepsakeState.withSession("search", "OnKeepsakeSearchResults", function (s) {
      return s.search(q, limit > 0 ? limit : undefined).then(function (list) { return { memories: KeepsakeState.memories(list) }; });
    });
  },

  // The prompt block for the character's language model: injected context, then the last
  // recentTurns turns (maxTokens 0: no budget). Answers OnKeepsakeContext { text, tokens }.
  KeepsakeGetContext: function (recentTurns, maxTokens) {
    return KeepsakeState.withSession("getContext", "OnKeepsakeContext", function (s) {
      var p = s.prompt({ recentTurns: recentTurns, maxTokens: maxTokens > 0 ? maxTokens : undefined });
      return { text: p.text, tokens: { context: p.tokens.context, turns: p.tokens.turns, total: p.tokens.total } };
    });
  },

  // Ships the transcript. Answers OnKeepsakeEnded { sessionId, status }; OnKeepsakeSessionProcessed
  // follows once the relay extracted what to remember.
  KeepsakeEnd: function () {
    return KeepsakeState.withSession("end", "OnKeepsakeEnded", function (s) {
      return s.end().then(function (r) { return { sessionId: s.id, status: r.status }; });
    });
  },

  // The player's own memories (client.memories, REST; works without a session and with memory off).
  // page and pageSize 0: the defaults. Answers OnKeepsakeMemoryList.
  KeepsakeListMemories: function (page, pageSize) {
    return KeepsakeState.run("listMemories", "OnKeepsakeMemoryList", function () {
      var options = {};
      if (page > 0) options.page = page;
      if (pageSize > 0) options.pageSize = pageSize;
      return KeepsakeState.client.memories.list(options).then(function (p) {
        return { memories: KeepsakeState.memories(p.memories), total: p.total, page: p.page, pageSize: p.pageSize, hasMore: p.hasMore };
      });
    });
  },

  // Answers OnKeepsakeMemoriesAdded { results: MemoryAddResult[] } (event "add", "update" or "noop").
  KeepsakeAddMemory: function (text) {
    var t = UTF8ToString(text);
    return KeepsakeState.run("addMemory", "OnKeepsakeMemoriesAdded", function () {
      return KeepsakeState.client.memories.add(t).then(function (results) {
        return { results: results.map(KeepsakeState.addResult) };
      });
    });
  },

  // Answers OnKeepsakeMemoryDeleted { id }; E_NOT_FOUND if it is not this player's.
  KeepsakeDeleteMemory: function (id) {
    var memoryId = UTF8ToString(id);
    return KeepsakeState.run("deleteMemory", "OnKeepsakeMemoryDeleted", function () {
      return KeepsakeState.client.memories.delete(memoryId).then(function () { return { id: memoryId }; });
    });
  },
};

autoAddDeps(KeepsakeBridge, "$KeepsakeState");
mergeInto(LibraryManager.library, KeepsakeBridge);
