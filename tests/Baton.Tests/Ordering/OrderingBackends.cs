using Baton.Tests.Files;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Xunit;

namespace Baton.Tests.Ordering;

/// <summary>Backends and helpers shared by the ordering tests: a fresh scope or directory per test, and a logger that collects.</summary>
internal static class OrderingBackends
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Schemes => ["memory", "file"];

    /// <summary>A backend URL whose names no other test shares.</summary>
    public static string NewUrl(string scheme) =>
        scheme == "file" ? TestDirectories.NewUrl("ordering") : $"memory://ordering-{Guid.NewGuid():N}";

    /// <summary>
    /// Runs <paramref name="body"/> as an async flow of its own. The test method itself never acquires, so no
    /// flow starts with holds it inherited.
    /// </summary>
    public static Task<T> Flow<T>(Func<Task<T>> body) => Task.Run(body);

    /// <inheritdoc cref="Flow{T}"/>
    public static Task Flow(Func<Task> body) => Task.Run(body);

    /// <summary>Waits until a listing shows <paramref name="count"/> waiters on the name (waits queue asynchronously on some backends).</summary>
    public static async Task WaitForWaitersAsync(Coordinator coordinator, string name, int count)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!(await coordinator.ListLocksAsync(deadline.Token)).Any(l => l.Name == name && l.Waiters.Count >= count))
        {
            await Task.Delay(5, deadline.Token);
        }
    }
}

/// <summary>An <see cref="ILoggerFactory"/> whose loggers all write to one <see cref="FakeLogCollector"/>.</summary>
internal sealed class CollectingLoggerFactory : ILoggerFactory
{
    public FakeLogCollector Collector { get; } = new();

    public ILogger CreateLogger(string categoryName) => new FakeLogger(Collector, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
