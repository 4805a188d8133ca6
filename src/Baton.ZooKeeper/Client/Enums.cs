namespace Baton.ZooKeeper.Client;

/// <summary>Where a client's session stands. <see cref="Expired"/>, <see cref="Closed"/> and <see cref="AuthFailed"/> are final.</summary>
public enum ZooKeeperConnectionState
{
    /// <summary>Establishing the first session.</summary>
    Connecting,

    /// <summary>Connected to a server; the session is alive.</summary>
    Connected,

    /// <summary>The connection is lost and the client is reconnecting; the session may still be alive (not lost yet).</summary>
    Suspended,

    /// <summary>The session is gone (the server said so, or no reconnect happened within the session timeout); its ephemeral nodes are deleted.</summary>
    Expired,

    /// <summary>The client was disposed and its session closed.</summary>
    Closed,

    /// <summary>The server refused the credentials.</summary>
    AuthFailed,
}

/// <summary>The kind of node <see cref="ZooKeeperClient.CreateAsync"/> creates.</summary>
public enum CreateMode
{
    /// <summary>Stays until deleted.</summary>
    Persistent = 0,

    /// <summary>Deleted when the creating session ends.</summary>
    Ephemeral = 1,

    /// <summary>Persistent, with a 10-digit increasing sequence number appended to its name.</summary>
    PersistentSequential = 2,

    /// <summary>Ephemeral, with a 10-digit increasing sequence number appended to its name.</summary>
    EphemeralSequential = 3,

    /// <summary>Persistent, deleted by the server some time after its last child goes.</summary>
    Container = 4,
}

/// <summary>What a watch event reports.</summary>
public enum WatchedEventType
{
    /// <summary>No node change: the session ended (see <see cref="WatchedEvent.State"/>).</summary>
    None = -1,

    /// <summary>The node was created.</summary>
    NodeCreated = 1,

    /// <summary>The node was deleted.</summary>
    NodeDeleted = 2,

    /// <summary>The node's data was set.</summary>
    NodeDataChanged = 3,

    /// <summary>A child was created or deleted.</summary>
    NodeChildrenChanged = 4,
}

/// <summary>ZooKeeper's result codes (KeeperException.Code).</summary>
public enum ZooKeeperErrorCode
{
    /// <summary>Success.</summary>
    Ok = 0,

    /// <summary>A server-side system error.</summary>
    SystemError = -1,

    /// <summary>A runtime inconsistency (in a failed multi: an operation after the failing one).</summary>
    RuntimeInconsistency = -2,

    /// <summary>A data inconsistency.</summary>
    DataInconsistency = -3,

    /// <summary>The connection was lost before the reply arrived: the request may or may not have been applied.</summary>
    ConnectionLoss = -4,

    /// <summary>A request or reply could not be (de)serialised.</summary>
    MarshallingError = -5,

    /// <summary>The operation is not implemented by the server.</summary>
    Unimplemented = -6,

    /// <summary>The operation timed out.</summary>
    OperationTimeout = -7,

    /// <summary>Invalid arguments.</summary>
    BadArguments = -8,

    /// <summary>A reconfiguration has no quorum.</summary>
    NewConfigNoQuorum = -13,

    /// <summary>A reconfiguration is in progress.</summary>
    ReconfigInProgress = -14,

    /// <summary>An API error.</summary>
    ApiError = -100,

    /// <summary>The node does not exist.</summary>
    NoNode = -101,

    /// <summary>Not authorised by the node's ACL.</summary>
    NoAuth = -102,

    /// <summary>The expected version does not match the node's.</summary>
    BadVersion = -103,

    /// <summary>Ephemeral nodes cannot have children.</summary>
    NoChildrenForEphemerals = -108,

    /// <summary>The node already exists.</summary>
    NodeExists = -110,

    /// <summary>The node has children.</summary>
    NotEmpty = -111,

    /// <summary>The session has expired.</summary>
    SessionExpired = -112,

    /// <summary>Invalid callback.</summary>
    InvalidCallback = -113,

    /// <summary>Invalid ACL (e.g. an <c>auth</c> ACL without credentials).</summary>
    InvalidAcl = -114,

    /// <summary>Authentication failed.</summary>
    AuthFailed = -115,

    /// <summary>The session moved to another server.</summary>
    SessionMoved = -118,

    /// <summary>A write to a read-only server.</summary>
    NotReadOnly = -119,

    /// <summary>Ephemeral node on a local session.</summary>
    EphemeralOnLocalSession = -120,

    /// <summary>No such watcher.</summary>
    NoWatcher = -121,

    /// <summary>The request timed out on the server.</summary>
    RequestTimeout = -122,

    /// <summary>Reconfiguration is disabled.</summary>
    ReconfigDisabled = -123,

    /// <summary>The session was closed: SASL authentication required.</summary>
    SessionClosedRequireSaslAuth = -124,

    /// <summary>A quota was exceeded.</summary>
    QuotaExceeded = -125,

    /// <summary>The server throttled the request.</summary>
    Throttled = -127,
}
