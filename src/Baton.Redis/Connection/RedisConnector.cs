using System.Net;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Baton.Redis.Connection;

/// <summary>Opens the one multiplexed connection of a coordinator, failing fast and without credentials in messages.</summary>
internal static class RedisConnector
{
    public static async Task<ConnectionMultiplexer> ConnectAsync(RedisBackendOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationOptions
        {
            User = options.User,
            Password = options.Password,
            Ssl = options.UseTls,
            SslHost = options.UseTls ? options.Host : null,
            DefaultDatabase = options.Database,
            ClientName = "baton",
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ConnectTimeout = 5_000,
            AsyncTimeout = 5_000,
            SyncTimeout = 5_000,

            // Commands fail at once while the connection is down, rather than waiting in a backlog: leases and lost
            // tokens are measured by this backend, and nothing should hang on a server that is gone.
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new LinearRetry(500),
            KeepAlive = 5,
            LoggerFactory = loggerFactory,
        };
        configuration.EndPoints.Add(IPAddress.TryParse(options.Host, out var address) ? new IPEndPoint(address, options.Port) : new DnsEndPoint(options.Host, options.Port));

        var connecting = ConnectionMultiplexer.ConnectAsync(configuration);
        try
        {
            return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The connection may still succeed later: close it then.
            _ = connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
        catch (Exception e) when (e is RedisException or System.Net.Sockets.SocketException or TimeoutException or IOException)
        {
            throw new BackendUnavailableException(
                $"Could not connect to the Redis server at {options.Display}: {Describe(e)}. Check that it runs and that host, port, TLS and credentials are right.", e);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        RedisConnectionException c => c.FailureType switch
        {
            ConnectionFailureType.AuthenticationFailure => "authentication failed (user or password)",
            ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection => "unable to connect",
            var other => other.ToString(),
        },
        _ => e.GetType().Name,
    };
}
