namespace Baton.Postgres.Holds;

/// <summary>
/// One name's advisory-lock keys, looked up (or created) in the name table on first use and kept for the
/// primitive's life: what <see cref="PostgresBackend.PrepareName"/> returns.
/// </summary>
internal sealed class PgName(LockKind kind, string name)
{
    public LockKind Kind { get; } = kind;

    public string Name { get; } = name;

    /// <summary>A lock's key, or a semaphore's gate; 0 until known.</summary>
    public int Key { get; set; }

    /// <summary>A reader-writer lock's upgrade key; 0 until known.</summary>
    public int UpgradeKey { get; set; }

    /// <summary>A semaphore's gate and slot keys (gate first), for the count they were fetched for.</summary>
    public int[]? SemaphoreKeys { get; set; }

    /// <summary>
    /// A lock's last try here was denied and its wait not yet found the name free: requests that may wait go
    /// straight to the wait (which tries first itself), sparing a round trip each while the name is contended.
    /// A hint, read and written without a lock.
    /// </summary>
    public bool Contended
    {
        get => Volatile.Read(ref _contended);
        set => Volatile.Write(ref _contended, value);
    }

    private bool _contended;
}
