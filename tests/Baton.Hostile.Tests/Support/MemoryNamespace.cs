namespace Baton.Hostile.Tests.Support;

/// <summary><c>memory://SCOPE</c>: nothing outside the process to inspect; only what Baton itself says is checked.</summary>
internal sealed class MemoryNamespace : Namespace
{
    public override string Url { get; } = $"memory://hostile-{Guid.NewGuid():N}";

    public override Task SnapshotAsync() => Task.CompletedTask;

    public override Task<IReadOnlyList<string>> ProblemsWhileHeldAsync(IReadOnlyCollection<string> names) => Task.FromResult<IReadOnlyList<string>>([]);

    public override Task<IReadOnlyList<string>> ProblemsAfterReleaseAsync(IReadOnlyCollection<string> names) => Task.FromResult<IReadOnlyList<string>>([]);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
