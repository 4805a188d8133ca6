using StackExchange.Redis;

namespace Baton.SideBySide.Subjects;

/// <summary>
/// The floor of any lock on Redis through StackExchange.Redis: one <c>PING</c> round trip as "acquire", nothing as
/// "release" (<c>redis-ping:redis://HOST:PORT</c>). An acquire+release of a lock needs at least two such round trips.
/// Measure it with <c>--measures uncontended</c> only: it excludes nobody.
/// </summary>
internal sealed class RedisPingSubject : InProcessSubject
{
    public const string Prefix = "redis-ping:";

    private readonly string _endpoint;

    public RedisPingSubject(string spec)
        : base(spec)
    {
        var url = new Uri(spec[Prefix.Length..]);
        _endpoint = $"{url.Host}:{(url.Port > 0 ? url.Port : 6379)}";
    }

    public override async ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken) =>
        new Client(await ConnectionMultiplexer.ConnectAsync(_endpoint));

    private sealed class Client(ConnectionMultiplexer connection) : ILockClient
    {
        private readonly IDatabase _database = connection.GetDatabase();

        public async ValueTask AcquireAsync() => await _database.PingAsync();

        public ValueTask ReleaseAsync() => default;

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
