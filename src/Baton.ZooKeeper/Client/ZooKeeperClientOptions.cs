using System.Net;
using Microsoft.Extensions.Logging;

namespace Baton.ZooKeeper.Client;

/// <summary>How a <see cref="ZooKeeperClient"/> reaches its ensemble and what session it asks for.</summary>
public sealed record ZooKeeperClientOptions
{
    /// <summary>The ensemble's client endpoints; tried in order, rotating to the next one on failure.</summary>
    public required IReadOnlyList<DnsEndPoint> Servers { get; init; }

    /// <summary>A path every request path is relative to (e.g. <c>/app</c>); returned paths have it stripped. Null or <c>/</c>: none.</summary>
    public string? Chroot { get; init; }

    /// <summary>The session timeout asked for (default 15 s); the server negotiates it into its tick-based bounds.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long <see cref="ZooKeeperClient.ConnectAsync"/> may take to establish the first session (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Credentials sent after every connect and reconnect (never logged).</summary>
    public IReadOnlyList<ZooKeeperAuth> Auth { get; init; } = [];

    /// <summary>The clock of timeouts, pings and the local session deadline (default: the system's).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where connection and session changes are logged; null logs nothing.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>The largest frame accepted from a server; a longer one is a protocol error (default 16 MiB).</summary>
    internal int MaxFrameLength { get; init; } = 16 * 1024 * 1024;
}
