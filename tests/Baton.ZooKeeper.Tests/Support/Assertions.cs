using Baton.ZooKeeper.Client;
using Xunit;

namespace Baton.ZooKeeper.Tests.Support;

internal static class Assertions
{
    /// <summary>Asserts the task fails with a <see cref="ZooKeeperException"/> of <paramref name="code"/>.</summary>
    public static async Task<ZooKeeperException> ThrowsAsync(this Task task, ZooKeeperErrorCode code)
    {
        var exception = await Assert.ThrowsAnyAsync<ZooKeeperException>(() => task);
        Assert.Equal(code, exception.Code);
        return exception;
    }

    public static Task<T> ThrowsAnyAsync<T>(this Task task)
        where T : Exception => Assert.ThrowsAnyAsync<T>(() => task);
}
