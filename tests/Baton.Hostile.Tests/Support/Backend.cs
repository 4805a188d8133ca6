namespace Baton.Hostile.Tests.Support;

/// <summary>The backends (and file-backend variants) the hostile tests run on.</summary>
public enum Backend
{
    /// <summary><c>memory://SCOPE</c>.</summary>
    Memory,

    /// <summary><c>file://DIR</c>, one lock file per name with open-file-description locks.</summary>
    File,

    /// <summary><c>file://DIR?api=flock</c>.</summary>
    FileFlock,

    /// <summary><c>file://DIR?mode=table</c>, one file, one byte range per name.</summary>
    FileTable,

    /// <summary><c>redis://</c> on the shared test server.</summary>
    Redis,

    /// <summary><c>postgres://</c> on the shared test server.</summary>
    Postgres,

    /// <summary><c>etcd://</c> on the shared test server.</summary>
    Etcd,

    /// <summary><c>zookeeper://</c> on the shared test server.</summary>
    ZooKeeper,
}
