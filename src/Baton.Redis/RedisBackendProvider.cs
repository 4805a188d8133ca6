using Baton.Backends;
using Baton.Redis;
using Baton.Redis.Connection;

[assembly: BackendProvider(typeof(RedisBackendProvider))]

namespace Baton.Redis;

/// <summary>
/// <c>redis://[[user]:password@]host[:port][/db][?prefix=baton:&amp;ttl=15s]</c> and <c>rediss://…</c> (TLS): leased
/// locks, reader-writer locks, semaphores, elections and groups on a Redis 6+ server, with fencing tokens, FIFO
/// waiting without polling, and change notices for groups. Found by <see cref="Coordinator.ConnectAsync"/> once this package is referenced; programs trimmed or
/// compiled ahead of time call <see cref="Register"/> first. See docs/backends/redis.md.
/// </summary>
public sealed class RedisBackendProvider : IBackendProvider
{
    /// <summary>The schemes served: <c>redis</c> and <c>rediss</c>.</summary>
    public IReadOnlyList<string> Schemes { get; } = ["redis", "rediss"];

    /// <summary>Registers this provider with <see cref="BackendRegistry"/> (needed only where assemblies cannot be loaded by name, such as Native AOT).</summary>
    public static void Register() => BackendRegistry.Register(new RedisBackendProvider());

    /// <summary>Checks the URL's options and connects one multiplexed connection.</summary>
    /// <param name="context">The URL, member identity, clock and logger.</param>
    /// <param name="cancellationToken">Fires at the connect timeout or when the caller cancels.</param>
    /// <exception cref="ArgumentException">The URL or an option is wrong; the message names it, never the password.</exception>
    /// <exception cref="BackendUnavailableException">The server cannot be reached or refused the credentials.</exception>
    public async ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = RedisBackendOptions.Parse(context.Url);
        return await RedisBackend.ConnectAsync(options, context, cancellationToken).ConfigureAwait(false);
    }
}
