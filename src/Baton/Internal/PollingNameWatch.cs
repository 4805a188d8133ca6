using Baton.Backends;

namespace Baton.Internal;

/// <summary>The watch of a backend without native change notices: it wakes every interval, and the core reads again.</summary>
internal sealed class PollingNameWatch(TimeProvider timeProvider, TimeSpan interval) : NameWatch
{
    public override ValueTask WaitForChangeAsync(CancellationToken cancellationToken) =>
        new(Task.Delay(interval, timeProvider, cancellationToken));

    public override ValueTask DisposeAsync() => default;
}
