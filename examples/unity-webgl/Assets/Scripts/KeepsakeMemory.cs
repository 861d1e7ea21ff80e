// Keepsake for Unity WebGL: long-term memory for a character, through Keepsake.jslib and the browser
// SDK. Add KeepsakeMemory to a GameObject, set relayUrl and characterId, subscribe to its events.
// Every call returns a request id at once; its answer arrives later as an event carrying that id
// (Keepsake.jslib sends it with SendMessage to this GameObject, by name: keep the name unique).
using System;
using System.Runtime.InteropServices;
using UnityEngine;

namespace Keepsake
{
    /// <summary>The player's memory choice. IsEnabled false: sessions connect nowhere and nothing is kept.</summary>
    [Serializable]
    public class MemorySettings
    {
        public bool IsEnabled = true;
    }

    /// <summary>Who the player is: 1 to 128 characters of A-Z a-z 0-9 . _ : @ -. Implement it with your account id.</summary>
    public interface IEndUserIdentityProvider
    {
        string GetEndUserId();
    }

    /// <summary>The default identity: a GUID made on first use and kept in PlayerPrefs, so this browser is the same player next time.</summary>
    public class DeviceEndUserIdProvider : IEndUserIdentityProvider
    {
        public const string PlayerPrefsKey = "keepsake.endUserId";

        public string GetEndUserId()
        {
            var id = PlayerPrefs.GetString(PlayerPrefsKey, "");
            if (id.Length == 32) return id;
            id = Guid.NewGuid().ToString("N"); // 32 lowercase hex characters, like the SDK's device id
            PlayerPrefs.SetString(PlayerPrefsKey, id);
            PlayerPrefs.Save();
            return id;
        }
    }

    // What the relay sends, as JsonUtility reads it. Field names are the JSON keys Keepsake.jslib
    // sends (test/browser/unity.test.ts checks every key it sends is declared here).

    /// <summary>Whose memory it is: kind "pair" (this player and character), "store" (shared) or "character" (for every player).</summary>
    [Serializable]
    public class MemoryScope
    {
        public string kind;
        public string endUserId;
        public string characterId;
        public string store;
    }

    /// <summary>The turns (seq numbers of one session) a memory came from.</summary>
    [Serializable]
    public class MemorySource
    {
        public string sessionId;
        public int[] seq;
    }

    /// <summary>One thing the character remembers, e.g. "The user's name is Jordan."</summary>
    [Serializable]
    public class MemoryRecord
    {
        public string id;
        public string memory;
        public MemoryScope scope;
        public bool pinned;
        public string createdAt;
        public string updatedAt;
        /// <summary>"" unless it is session memory (the task of the moment), which expires.</summary>
        public string expiresAt;
        /// <summary>The memory's metadata object as JSON text.</summary>
        public string metadataJson;
        public MemorySource[] sources;
        /// <summary>Search results only: relevance, higher is better.</summary>
        public float score;
    }

    /// <summary>What a session's extraction or an AddMemory did: event "add", "update", "delete" or "noop".</summary>
    [Serializable]
    public class MemoryAddResult
    {
        public string id;
        public string memory;
        public string @event;
        /// <summary>The text before an "update" ("" otherwise).</summary>
        public string previous;
    }

    [Serializable]
    public class ConnectedMessage
    {
        public int requestId;
        public string sessionId;
        /// <summary>false when the player declined memory or the character has memory switched off.</summary>
        public bool enabled;
        /// <summary>How many memories exist (memories holds at most the relay's injection limit).</summary>
        public int total;
        /// <summary>The memories as ready-to-paste prompt text.</summary>
        public string context;
        public MemoryRecord[] memories;
    }

    [Serializable]
    public class MemoriesUpdatedMessage
    {
        public string sessionId;
        public int total;
        public string context;
        public MemoryRecord[] memories;
    }

    [Serializable]
    public class SessionProcessedMessage
    {
        public string sessionId;
        public MemoryAddResult[] results;
    }

    [Serializable]
    public class TurnRecordedMessage
    {
        public int requestId;
        public int seq;
        /// <summary>"user", "character" or "event".</summary>
        public string role;
    }

    [Serializable]
    public class SearchResultsMessage
    {
        public int requestId;
        public MemoryRecord[] memories;
    }

    [Serializable]
    public class PromptTokens
    {
        public int context;
        public int turns;
        public int total;
    }

    [Serializable]
    public class ContextMessage
    {
        public int requestId;
        /// <summary>The injected context, a blank line, then one line per turn ("Player: …", "Character: …", "(event) …").</summary>
        public string text;
        public PromptTokens tokens;
    }

    [Serializable]
    public class EndedMessage
    {
        public int requestId;
        public string sessionId;
        /// <summary>"queued", "processed" or "disabled".</summary>
        public string status;
    }

    [Serializable]
    public class MemoryPageMessage
    {
        public int requestId;
        public MemoryRecord[] memories;
        public int total;
        public int page;
        public int pageSize;
        public bool hasMore;
    }

    [Serializable]
    public class MemoriesAddedMessage
    {
        public int requestId;
        public MemoryAddResult[] results;
    }

    [Serializable]
    public class MemoryDeletedMessage
    {
        public int requestId;
        public string id;
    }

    /// <summary>A failure: code E_BAD_REQUEST, E_CONFLICT, E_NOT_FOUND, E_NETWORK, E_TIMEOUT, … (requestId 0: in the background).</summary>
    [Serializable]
    public class KeepsakeError
    {
        public int requestId;
        public string op;
        public string code;
        public string message;
    }

    [Serializable]
    public class WarningMessage
    {
        public string message;
    }

    /// <summary>Long-term memory for one character. Calls return a request id; answers arrive as events.</summary>
    public class KeepsakeMemory : MonoBehaviour
    {
        [Tooltip("The relay's base URL, e.g. https://memory.example.com")]
        public string relayUrl = "http://127.0.0.1:8787";
        [Tooltip("The character the player talks to: 1 to 128 characters of A-Z a-z 0-9 . _ : @ -")]
        public string characterId = "innkeeper";
        public MemorySettings settings = new MemorySettings();
        [Tooltip("Init() and Connect() in Start()")]
        public bool connectOnStart = true;

        /// <summary>Who the player is; set it before Start() to use your own account id.</summary>
        public IEndUserIdentityProvider Identity { get; set; } = new DeviceEndUserIdProvider();

        /// <summary>The current session's memories and context, kept current by Connected and MemoriesUpdated.</summary>
        public MemoryRecord[] Memories { get; private set; } = new MemoryRecord[0];
        public string Context { get; private set; } = "";
        public string SessionId { get; private set; } = "";

        public event Action<ConnectedMessage> Connected;
        public event Action<MemoriesUpdatedMessage> MemoriesUpdated;
        public event Action<SessionProcessedMessage> SessionProcessed;
        public event Action<TurnRecordedMessage> TurnRecorded;
        public event Action<SearchResultsMessage> SearchResults;
        public event Action<ContextMessage> ContextReady;
        public event Action<EndedMessage> Ended;
        public event Action<MemoryPageMessage> MemoryListed;
        public event Action<MemoriesAddedMessage> MemoriesAdded;
        public event Action<MemoryDeletedMessage> MemoryDeleted;
        /// <summary>Logged with Debug.LogError when nobody subscribes.</summary>
        public event Action<KeepsakeError> Error;
        /// <summary>Something degraded but works (e.g. no IndexedDB); logged with Debug.LogWarning when nobody subscribes.</summary>
        public event Action<string> Warning;

        void Start()
        {
            if (!connectOnStart) return;
            if (Init()) Connect();
        }

        /// <summary>Creates the browser client; again after changing relayUrl, characterId or Identity. false if the SDK is missing.</summary>
        public bool Init() => KeepsakeInit(gameObject.name, relayUrl, characterId, Identity?.GetEndUserId() ?? "", settings.IsEnabled) == 1;

        /// <summary>
        /// For a relay in token mode (KEEPSAKE_AUTH=token): the player's token, a JWT your game's backend
        /// signs. Asked for at every connection and request, so set a fresh one before it expires.
        /// </summary>
        public void SetToken(string token) => KeepsakeSetToken(token ?? "");

        /// <summary>The player's consent (MemorySettings.IsEnabled); applies from the next Connect().</summary>
        public void SetMemoryEnabled(bool enabled)
        {
            settings.IsEnabled = enabled;
            KeepsakeSetMemoryEnabled(enabled);
        }

        /// <summary>Opens a session; Connected brings what the character remembers of the player.</summary>
        public int Connect() => KeepsakeConnect();
        public int RecordUserTurn(string text) => KeepsakeRecordUserTurn(text);
        public int RecordCharacterTurn(string text) => KeepsakeRecordCharacterTurn(text);
        /// <summary>A game event as text, e.g. "opened the chest": it counts as something the player did.</summary>
        public int RecordEvent(string text) => KeepsakeRecordEvent(text);
        /// <summary>Searches what this session reads; limit 0 is the relay's default (10).</summary>
        public int Search(string query, int limit = 0) => KeepsakeSearch(query, limit);
        /// <summary>The prompt block for your language model (ContextReady); maxTokens 0 is no budget.</summary>
        public int GetContext(int recentTurns = 10, int maxTokens = 0) => KeepsakeGetContext(recentTurns, maxTokens);
        /// <summary>Ships the transcript (Ended); SessionProcessed follows once the relay extracted from it.</summary>
        public int End() => KeepsakeEnd();
        /// <summary>The player's own memories of this character, for a "what do you remember about me" screen.</summary>
        public int ListMemories(int page = 1, int pageSize = 50) => KeepsakeListMemories(page, pageSize);
        public int AddMemory(string text) => KeepsakeAddMemory(text);
        public int DeleteMemory(string id) => KeepsakeDeleteMemory(id);

        // SendMessage receivers: Keepsake.jslib answers here with one JSON string each.
        void OnKeepsakeConnected(string json)
        {
            var m = JsonUtility.FromJson<ConnectedMessage>(json);
            SessionId = m.sessionId;
            Memories = m.memories;
            Context = m.context;
            Connected?.Invoke(m);
        }

        void OnKeepsakeMemoriesUpdated(string json)
        {
            var m = JsonUtility.FromJson<MemoriesUpdatedMessage>(json);
            if (m.sessionId == SessionId)
            {
                Memories = m.memories;
                Context = m.context;
            }
            MemoriesUpdated?.Invoke(m);
        }

        void OnKeepsakeSessionProcessed(string json) => SessionProcessed?.Invoke(JsonUtility.FromJson<SessionProcessedMessage>(json));
        void OnKeepsakeTurnRecorded(string json) => TurnRecorded?.Invoke(JsonUtility.FromJson<TurnRecordedMessage>(json));
        void OnKeepsakeSearchResults(string json) => SearchResults?.Invoke(JsonUtility.FromJson<SearchResultsMessage>(json));
        void OnKeepsakeContext(string json) => ContextReady?.Invoke(JsonUtility.FromJson<ContextMessage>(json));
        void OnKeepsakeEnded(string json) => Ended?.Invoke(JsonUtility.FromJson<EndedMessage>(json));
        void OnKeepsakeMemoryList(string json) => MemoryListed?.Invoke(JsonUtility.FromJson<MemoryPageMessage>(json));
        void OnKeepsakeMemoriesAdded(string json) => MemoriesAdded?.Invoke(JsonUtility.FromJson<MemoriesAddedMessage>(json));
        void OnKeepsakeMemoryDeleted(string json) => MemoryDeleted?.Invoke(JsonUtility.FromJson<MemoryDeletedMessage>(json));

        void OnKeepsakeError(string json)
        {
            var e = JsonUtility.FromJson<KeepsakeError>(json);
            if (Error != null) Error(e);
            else Debug.LogError($"Keepsake {e.op}: {e.code}: {e.message}");
        }

        void OnKeepsakeWarning(string json)
        {
            var message = JsonUtility.FromJson<WarningMessage>(json).message;
            if (Warning != null) Warning(message);
            else Debug.LogWarning($"Keepsake: {message}");
        }

#if UNITY_WEBGL && !UNITY_EDITOR
        // Keepsake.jslib (Assets/Plugins/WebGL): strings go as UTF-8 pointers, bools and ints as numbers.
        [DllImport("__Internal")] static extern int KeepsakeInit(string objectName, string relayUrl, string characterId, string endUserId, bool isEnabled);
        [DllImport("__Internal")] static extern void KeepsakeSetToken(string token);
        [DllImport("__Internal")] static extern void KeepsakeSetMemoryEnabled(bool isEnabled);
        [DllImport("__Internal")] static extern int KeepsakeConnect();
        [DllImport("__Internal")] static extern int KeepsakeRecordUserTurn(string text);
        [DllImport("__Internal")] static extern int KeepsakeRecordCharacterTurn(string text);
        [DllImport("__Internal")] static extern int KeepsakeRecordEvent(string text);
        [DllImport("__Internal")] static extern int KeepsakeSearch(string query, int limit);
        [DllImport("__Internal")] static extern int KeepsakeGetContext(int recentTurns, int maxTokens);
        [DllImport("__Internal")] static extern int KeepsakeEnd();
        [DllImport("__Internal")] static extern int KeepsakeListMemories(int page, int pageSize);
        [DllImport("__Internal")] static extern int KeepsakeAddMemory(string text);
        [DllImport("__Internal")] static extern int KeepsakeDeleteMemory(string id);
#else
        // In the editor and other platforms there is no browser: every call logs and nothing answers.
        static int NotInBrowser(string call)
        {
            Debug.Log($"Keepsake: {call} runs in a WebGL build only (Keepsake.jslib); nothing is sent from here");
            return 0;
        }

        static int KeepsakeInit(string objectName, string relayUrl, string characterId, string endUserId, bool isEnabled) => NotInBrowser("Init");
        static void KeepsakeSetToken(string token) => NotInBrowser("SetToken");
        static void KeepsakeSetMemoryEnabled(bool isEnabled) => NotInBrowser("SetMemoryEnabled");
        static int KeepsakeConnect() => NotInBrowser("Connect");
        static int KeepsakeRecordUserTurn(string text) => NotInBrowser("RecordUserTurn");
        static int KeepsakeRecordCharacterTurn(string text) => NotInBrowser("RecordCharacterTurn");
        static int KeepsakeRecordEvent(string text) => NotInBrowser("RecordEvent");
        static int KeepsakeSearch(string query, int limit) => NotInBrowser("Search");
        static int KeepsakeGetContext(int recentTurns, int maxTokens) => NotInBrowser("GetContext");
        static int KeepsakeEnd() => NotInBrowser("End");
        static int KeepsakeListMemories(int page, int pageSize) => NotInBrowser("ListMemories");
        static int KeepsakeAddMemory(string text) => NotInBrowser("AddMemory");
        static int KeepsakeDeleteMemory(string id) => NotInBrowser("DeleteMemory");
#endif
    }
}
