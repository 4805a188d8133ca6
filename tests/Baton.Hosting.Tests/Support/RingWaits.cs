using Baton.Partitioning;

namespace Baton.Hosting.Tests.Support;

/// <summary>Waits for a hash ring to reach a state, woken by its changes rather than by polling.</summary>
internal static class RingWaits
{
    /// <summary>Completes with the ring's snapshot once <paramref name="condition"/> holds for it; fails after <see cref="TestHost.Patience"/>.</summary>
    public static async Task<HashRingSnapshot> WaitUntilAsync(this HashRing ring, Func<HashRingSnapshot, bool> condition)
    {
        var reached = new TaskCompletionSource<HashRingSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(object? sender, RingChangedEventArgs e)
        {
            if (condition(e.Current))
            {
                reached.TrySetResult(e.Current);
            }
        }

        // Subscribe first, then look: a change between the two is seen by the handler.
        ring.Changed += OnChanged;
        try
        {
            var now = ring.Current;
            if (condition(now))
            {
                return now;
            }

            return await reached.Task.WaitAsync(TestHost.Patience);
        }
        finally
        {
            ring.Changed -= OnChanged;
        }
    }

    /// <summary>The ids of a snapshot's members.</summary>
    public static string[] Ids(this HashRingSnapshot ring) => [.. ring.Members.Select(m => m.Id)];
}
