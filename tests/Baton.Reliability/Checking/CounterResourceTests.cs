using Baton.Reliability.Workload;
using Xunit;

namespace Baton.Reliability.Tests.Checking;

public sealed class CounterResourceTests
{
    [Theory]
    [InlineData(true, "rejected", 1)]
    [InlineData(false, "stale", 1)]
    public async Task Increment_OlderHolderWritesAfterANewerOneRead_FencedRejectsIt(bool fenced, string expected, long final)
    {
        var path = Path.Combine(Path.GetTempPath(), $"baton-counter-{Guid.NewGuid():N}");
        try
        {
            // Two handles, as two processes have. The older holder reads (synchronously, before its pause) ...
            using var older = CounterResource.Open(path, fenced);
            using var newer = CounterResource.Open(path, fenced);
            var paused = older.IncrementAsync(5, TimeSpan.FromMilliseconds(300), CancellationToken.None);

            // ... the newer one reads and writes while it is paused, then the older one writes.
            Assert.Equal("accepted", await newer.IncrementAsync(6, TimeSpan.Zero, CancellationToken.None));
            Assert.Equal(expected, await paused);
            Assert.Equal(final, newer.Value);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".guard");
        }
    }

    [Fact]
    public async Task Increment_RisingTokens_AllAccepted()
    {
        var path = Path.Combine(Path.GetTempPath(), $"baton-counter-{Guid.NewGuid():N}");
        try
        {
            using var counter = CounterResource.Open(path, fenced: true);
            for (var token = 1; token <= 3; token++)
            {
                Assert.Equal("accepted", await counter.IncrementAsync(token, TimeSpan.Zero, CancellationToken.None));
            }

            Assert.Equal(3, counter.Value);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".guard");
        }
    }
}
