namespace Baton.SideBySide.Subjects;

/// <summary>Baton on any backend URL (<c>baton:memory://</c>, later <c>baton:file:///run/lock/x</c>, <c>baton:redis://…</c>).</summary>
internal sealed class BatonSubject : InProcessSubject
{
    private readonly string _url;

    public BatonSubject(string url)
        : base("baton:" + url) => _url = url;

    public override async ValueTask<ILockClient> OpenClientAsync(string lockName, CancellationToken cancellationToken)
    {
        var coordinator = await Coordinator.ConnectAsync(_url, cancellationToken: cancellationToken);
        return new Client(coordinator, coordinator.CreateLock(lockName));
    }

    private sealed class Client(Coordinator coordinator, DistributedLock distributedLock) : ILockClient
    {
        private LockHandle? _held;

        public ValueTask AcquireAsync()
        {
            // No async state machine when the grant is immediate, so the harness adds nothing Baton does not do.
            var acquiring = distributedLock.AcquireAsync();
            if (acquiring.IsCompletedSuccessfully)
            {
                _held = acquiring.Result;
                return default;
            }

            return AwaitAsync(acquiring);
        }

        public ValueTask ReleaseAsync()
        {
            var held = _held ?? throw new InvalidOperationException("Release without a hold.");
            _held = null;
            return held.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_held is { } held)
            {
                await held.DisposeAsync();
            }

            await coordinator.DisposeAsync();
        }

        private async ValueTask AwaitAsync(ValueTask<LockHandle> acquiring) => _held = await acquiring;
    }
}
