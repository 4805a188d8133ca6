using Xunit;

namespace Baton.Tests.Hierarchy;

/// <summary>Two coordinators (two members) on a memory scope of the test's own, and Ganeti's four levels.</summary>
public abstract class HierarchyTestBase : IAsyncLifetime
{
    protected static readonly string[] GanetiLevels = ["cluster", "node-group", "instance", "node"];

    private readonly string _url = $"memory://hierarchy-{Guid.NewGuid():N}";

    protected static TimeSpan Patience => TimeSpan.FromSeconds(10);

    protected Coordinator First { get; private set; } = null!;

    protected Coordinator Second { get; private set; } = null!;

    /// <summary>The hierarchy <c>ganeti</c> on <see cref="First"/>.</summary>
    protected LockHierarchy Ganeti { get; private set; } = null!;

    private LockHierarchy _other = null!;

    public async Task InitializeAsync()
    {
        First = await Coordinator.ConnectAsync(_url);
        Second = await Coordinator.ConnectAsync(_url);
        Ganeti = First.CreateHierarchy("ganeti", GanetiLevels);
        _other = Second.CreateHierarchy("ganeti", GanetiLevels);
    }

    public async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
    }

    /// <summary>
    /// Runs work on the same hierarchy through <see cref="Second"/>, in a flow that inherits none of the test's levels
    /// (the execution context does not flow): another member competing for the same locks.
    /// </summary>
    protected Task<T> OtherMember<T>(Func<LockHierarchy, ValueTask<T>> work)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(async () => await work(_other));
        }
    }

    /// <summary>The names held or awaited on the backend, with their holders' modes, as "name:Mode,Mode".</summary>
    protected async Task<IReadOnlyList<string>> HeldNamesAsync()
    {
        var locks = await First.ListLocksAsync();
        return [.. locks.Where(l => l.Holders.Count > 0).OrderBy(l => l.Name, StringComparer.Ordinal)
            .Select(l => $"{l.Name}:{string.Join(',', l.Holders.Select(h => h.Mode))}")];
    }

    /// <summary>Polls the listing until the name has this many waiters (the order of arrival is then known).</summary>
    protected async Task WaitForWaitersAsync(string name, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while ((await First.ListLocksAsync()).SingleOrDefault(l => l.Name == name)?.Waiters.Count != count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{name}' never had {count} waiter(s).");

            // Polling an observable condition, not sleeping in place of synchronization.
            await Task.Delay(5);
        }
    }
}
