using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Baton.ZooKeeper.Tests.Support;

/// <summary>Writes the client's log to the test's output, with the time since the logger was made.</summary>
internal sealed class TestLogger(ITestOutputHelper output) : ILogger
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output.WriteLine($"{_clock.Elapsed.TotalMilliseconds,8:0} {logLevel,-11} {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
        }
        catch (InvalidOperationException)
        {
            // The test already ended.
        }
    }
}
