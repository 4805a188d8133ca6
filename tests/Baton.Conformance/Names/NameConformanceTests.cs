using Xunit;

namespace Baton.Conformance;

/// <summary>
/// Rule 9 and argument validation: any non-empty name of at most 1,024 UTF-8 bytes without NUL works,
/// verbatim, and distinct names are distinct locks; anything else, bad counts and bad timeouts are
/// refused with an exception that says what is wrong.
/// </summary>
public abstract class NameConformanceTests : ConformanceTestBase
{
    private static readonly TimeSpan[] BadTimeouts =
    [
        TimeSpan.FromSeconds(-2),
        TimeSpan.FromMilliseconds(-2),
        TimeSpan.MinValue,
        TimeSpan.FromDays(50),
        TimeSpan.MaxValue,
    ];

    public static TheoryData<UnusualName> UnusualNames => [.. Enum.GetValues<UnusualName>()];

    public static TheoryData<InvalidName> InvalidNames => [.. Enum.GetValues<InvalidName>()];

    [Theory]
    [MemberData(nameof(UnusualNames), MemberType = typeof(NameConformanceTests))]
    public async Task AcquireAsync_UnusualName_WorksAndIsListedVerbatim(UnusualName unusual)
    {
        var name = NameCases.Valid(unusual);
        var other = await CreateCoordinatorAsync();

        await using (var handle = await Coordinator.CreateLock(name).AcquireAsync(Patience))
        {
            Assert.Equal(name, handle.Name);
            Assert.Null(await other.CreateLock(name).TryAcquireAsync());
            var info = await FindAsync(name, coordinator: other);
            Assert.NotNull(info);
            Assert.Equal(handle.FencingToken, Assert.Single(info.Holders).FencingToken);
        }

        await using (var reader = await other.CreateReaderWriterLock(name).AcquireReadAsync(Patience))
        {
            Assert.Equal(name, reader.Name);
        }

        await using (var slot = await other.CreateSemaphore(name, 1).AcquireAsync(Patience))
        {
            Assert.Equal(name, slot.Name);
            Assert.NotNull(await FindAsync(name, LockKind.Semaphore));
        }

        await WaitUntilFreeAsync(name);
        await WaitUntilFreeAsync(name, LockKind.Semaphore);
    }

    [Fact]
    public async Task TryAcquireAsync_SimilarNames_AreDistinctLocks()
    {
        var prefix = new string('p', 1000);
        string[] names =
        [
            "a/b", "a_b", "a%2Fb", "a%2fb", "a\\b", "a:b", "a b", "a+b", "a.b", "ab", "b", "A/B",
            "a", "A", "con", "CON", "x", "../x", "./x", "x/", "/x", "x ", " x", "%", "%25",
            "é", "e\u0301", "ﬁ", "fi", "ß", "ss", "İ", "i",
            prefix + new string('x', 24), prefix + new string('x', 23) + "y", "q" + prefix[1..] + new string('x', 24),
            new string('n', 1024), new string('n', 1023),
        ];
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        var other = await CreateCoordinatorAsync();
        var handles = new List<LockHandle>();

        foreach (var name in names)
        {
            var handle = await Coordinator.CreateLock(name).TryAcquireAsync();
            Assert.True(handle is not null, $"'{name}' was blocked by one of the other names.");
            handles.Add(handle);
        }

        foreach (var name in names)
        {
            Assert.True(await other.CreateLock(name).TryAcquireAsync() is null, $"'{name}' was not held although it was acquired.");
        }

        var listed = (await Coordinator.ListLocksAsync()).Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(names, name => Assert.Contains(name, listed));
        foreach (var handle in handles)
        {
            await handle.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(InvalidNames), MemberType = typeof(NameConformanceTests))]
    public async Task CreateLock_InvalidName_ThrowsArgumentExceptionSayingWhy(InvalidName invalid)
    {
        var (name, keywords) = NameCases.Invalid(invalid);

        Exception[] errors =
        [
            Assert.Throws<ArgumentException>(() => Coordinator.CreateLock(name)),
            Assert.Throws<ArgumentException>(() => Coordinator.CreateReaderWriterLock(name)),
            Assert.Throws<ArgumentException>(() => Coordinator.CreateSemaphore(name, 1)),
            await Assert.ThrowsAsync<ArgumentException>(() => Coordinator.BreakLockAsync(name).AsTask()),
        ];

        foreach (var error in errors)
        {
            Assert.Equal("name", ((ArgumentException)error).ParamName);
            foreach (var keyword in keywords)
            {
                Assert.Contains(keyword, error.Message, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task CreateLock_NullName_ThrowsArgumentNull()
    {
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => Coordinator.CreateLock(null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => Coordinator.CreateReaderWriterLock(null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => Coordinator.CreateSemaphore(null!, 1)).ParamName);
        Assert.Equal("name", (await Assert.ThrowsAsync<ArgumentNullException>(() => Coordinator.BreakLockAsync(null!).AsTask())).ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(DistributedSemaphore.MaxMaxCount + 1)]
    public void CreateSemaphore_CountOutOfRange_ThrowsArgumentOutOfRangeSayingWhy(int maxCount)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Coordinator.CreateSemaphore(UniqueName("sem"), maxCount));

        Assert.Equal("maxCount", e.ParamName);
        Assert.Contains("count", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TryAcquireAsync_BadTimeouts_ThrowArgumentOutOfRange()
    {
        var name = UniqueName();
        var distributedLock = Coordinator.CreateLock(name);
        foreach (var timeout in BadTimeouts)
        {
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => distributedLock.TryAcquireAsync(timeout).AsTask()));
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => distributedLock.AcquireAsync(timeout).AsTask()));
            AssertBadTimeout(Assert.Throws<ArgumentOutOfRangeException>(() => distributedLock.TryAcquire(timeout)));
        }

        Assert.Null(await FindAsync(name));
    }

    [Fact]
    public async Task TryAcquireReadAsync_BadTimeouts_ThrowArgumentOutOfRange()
    {
        var rw = Coordinator.CreateReaderWriterLock(UniqueName("rw"));
        foreach (var timeout in BadTimeouts)
        {
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => rw.TryAcquireReadAsync(timeout).AsTask()));
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => rw.AcquireReadAsync(timeout).AsTask()));
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => rw.TryAcquireWriteAsync(timeout).AsTask()));
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => rw.AcquireWriteAsync(timeout).AsTask()));
        }
    }

    [Fact]
    public async Task TryAcquireAsync_SemaphoreBadTimeouts_ThrowArgumentOutOfRange()
    {
        var semaphore = Coordinator.CreateSemaphore(UniqueName("sem"), 2);
        foreach (var timeout in BadTimeouts)
        {
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => semaphore.TryAcquireAsync(timeout).AsTask()));
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => semaphore.AcquireAsync(timeout).AsTask()));
        }
    }

    [Fact]
    public async Task TryUpgradeAsync_BadTimeouts_ThrowArgumentOutOfRangeAndKeepSharedHold()
    {
        await using var reader = await Coordinator.CreateReaderWriterLock(UniqueName("rw")).AcquireReadAsync(Patience);
        foreach (var timeout in BadTimeouts)
        {
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.TryUpgradeAsync(timeout).AsTask()));
            AssertBadTimeout(await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.UpgradeAsync(timeout).AsTask()));
        }

        Assert.Equal(LockMode.Shared, reader.Mode);
        Assert.False(reader.IsReleased);
    }

    [Fact]
    public async Task TryAcquireAsync_EdgeTimeouts_AreAccepted()
    {
        var distributedLock = Coordinator.CreateLock(UniqueName());
        foreach (var timeout in new[] { TimeSpan.Zero, Timeout.InfiniteTimeSpan, TimeSpan.FromDays(49) })
        {
            await using var handle = await distributedLock.TryAcquireAsync(timeout);
            Assert.NotNull(handle);
        }

        // Accepted, but over a network the first round trip may take longer than 1 ms (a loaded machine, a remote
        // server), and a start that outlasts the timeout is "not acquired" by design: only the acceptance is checked.
        await using var brief = await distributedLock.TryAcquireAsync(TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task ConnectAsync_BadConnectTimeout_ThrowsArgumentOutOfRangeNamingIt()
    {
        foreach (var timeout in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-2), TimeSpan.MinValue, TimeSpan.FromDays(50), TimeSpan.MaxValue })
        {
            var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
                () => Coordinator.ConnectAsync(BackendUrl, new CoordinatorOptions { ConnectTimeout = timeout }).AsTask());
            Assert.Equal(nameof(CoordinatorOptions.ConnectTimeout), e.ParamName);
            Assert.Contains("connect timeout", e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("bell\u0007")]
    public async Task ConnectAsync_BadMemberId_ThrowsArgumentExceptionNamingIt(string memberId)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(
            () => Coordinator.ConnectAsync(BackendUrl, new CoordinatorOptions { MemberId = memberId }).AsTask());

        Assert.Equal(nameof(CoordinatorOptions.MemberId), e.ParamName);
        Assert.Contains("member id", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertBadTimeout(ArgumentOutOfRangeException e)
    {
        Assert.Equal("timeout", e.ParamName);
        Assert.Contains("timeout", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
