using System.Diagnostics;
using Baton.Hostile.Tests.Support;
using Xunit;

namespace Baton.Hostile.Tests.Files;

/// <summary>
/// Entries planted where the file backend's files go: a symbolic or hard link to a file the test owns elsewhere, a FIFO,
/// a directory. Each primitive and layout refuses with an IOException that names the problem, within a bound; the
/// planted entry stays as it was, and the file it points at is never followed, written, truncated or removed.
/// (FileLayoutTests covers a symbolic link at an exclusive lock's file in the default layout.)
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PlantedEntryTests
{
    private const string Precious = "precious, owned by the test";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Where a name's file goes: the query, the file planted, and how to take the name there.</summary>
    public static TheoryData<string, string, string> Places => new()
    {
        { string.Empty, "planted.lock", "read" },
        { string.Empty, "planted.sem", "semaphore" },
        { string.Empty, "planted.lock", "wait" },
        { "?api=flock", "planted.lock", "lock" },
        { "?mode=table", ".table", "lock" },
        { "?layout=oslo&prefix=svc-", "svc-planted", "lock" },
        { string.Empty, ".fencing", "lock" },
        { string.Empty, ".guard", "lock" },
    };

    [Theory]
    [MemberData(nameof(Places))]
    public async Task SymbolicLink_NeverFollowed_RefusedSayingSo(string query, string file, string how)
    {
        var setup = PlantedDirectory.Create();
        var victim = setup.Victim();
        File.CreateSymbolicLink(Path.Combine(setup.Directory, file), victim);

        var error = await setup.TakeAsync(query, how);

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Equal(Precious, await File.ReadAllTextAsync(victim));
        Assert.Equal(victim, new FileInfo(Path.Combine(setup.Directory, file)).LinkTarget);
    }

    [Theory]
    [MemberData(nameof(Places))]
    public async Task Fifo_NoHang_RefusedAsNotARegularFile(string query, string file, string how)
    {
        var setup = PlantedDirectory.Create();
        var fifo = Path.Combine(setup.Directory, file);
        Assert.Equal(0, await RunAsync("mkfifo", fifo));

        var error = await setup.TakeAsync(query, how);

        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
        Assert.True(new FileInfo(fifo).Exists, "The planted FIFO was removed.");
    }

    [Theory]
    [MemberData(nameof(Places))]
    public async Task Directory_RefusedAsNotARegularFile_AndLeftAlone(string query, string file, string how)
    {
        var setup = PlantedDirectory.Create();
        var planted = Path.Combine(setup.Directory, file);
        Directory.CreateDirectory(planted);
        await File.WriteAllTextAsync(Path.Combine(planted, "inside"), Precious);

        var error = await setup.TakeAsync(query, how);

        Assert.True(
            error.Message.Contains("not a regular file", StringComparison.Ordinal) || error.Message.Contains("Is a directory", StringComparison.Ordinal),
            $"The message does not say what is wrong: {error.Message}");
        Assert.Equal(Precious, await File.ReadAllTextAsync(Path.Combine(planted, "inside")));
    }

    [Theory]
    [MemberData(nameof(Places))]
    public async Task HardLink_TheLinkedFileIsNeverWritten_RefusedSayingSo(string query, string file, string how)
    {
        var setup = PlantedDirectory.Create();
        var victim = setup.Victim();
        Assert.Equal(0, await RunAsync("ln", victim, Path.Combine(setup.Directory, file)));

        var error = await setup.TryTakeAsync(query, how);

        Assert.Equal(Precious, await File.ReadAllTextAsync(victim));
        PlantedDirectory.AssertRefusal(error);
        Assert.Contains("hard link", error!.Message, StringComparison.Ordinal);
    }

    private static async Task<int> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    /// <summary>A fresh lock directory (0700, as Baton makes it) to plant in before connecting, and a file of the test's own beside it.</summary>
    private sealed class PlantedDirectory
    {
        private PlantedDirectory(string directory) => Directory = directory;

        public string Directory { get; }

        public static PlantedDirectory Create()
        {
            var directory = TestDirectories.NewPath("planted");
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new(directory);
        }

        /// <summary>A file beside the lock directory (same file system, so it can be hard-linked), holding <see cref="Precious"/>.</summary>
        public string Victim()
        {
            var victim = Path.Combine(Path.GetDirectoryName(Directory)!, "victim");
            File.WriteAllText(victim, Precious);
            return victim;
        }

        /// <summary>
        /// Connects and takes the name "planted" as <paramref name="how"/> says, expecting a refusal within <see cref="Bound"/>:
        /// an IOException, or (when connecting already meets the planted entry: the fencing counter) a BackendUnavailableException
        /// whose message carries the IOException's.
        /// </summary>
        public async Task<Exception> TakeAsync(string query, string how)
        {
            var error = await TryTakeAsync(query, how);
            AssertRefusal(error);
            return error!;
        }

        public static void AssertRefusal(Exception? error) =>
            Assert.True(error is IOException or BackendUnavailableException { InnerException: IOException }, $"Expected a refusal, got {error?.ToString() ?? "none: the name was taken and released"}.");

        /// <summary>Connects and takes the name as <see cref="TakeAsync"/> does; the exception, or null when it was taken and released.</summary>
        public async Task<Exception?> TryTakeAsync(string query, string how)
        {
            var clock = Stopwatch.StartNew();
            var error = await Record.ExceptionAsync(async () =>
            {
                await using var coordinator = await Coordinator.ConnectAsync("file://" + Directory + query);
                IAsyncDisposable? held = how switch
                {
                    "lock" => await coordinator.CreateLock("planted").TryAcquireAsync(),
                    "wait" => await coordinator.CreateLock("planted").AcquireAsync(Bound),
                    "read" => await coordinator.CreateReaderWriterLock("planted").TryAcquireReadAsync(),
                    "semaphore" => await coordinator.CreateSemaphore("planted", 3).TryAcquireAsync(),
                    _ => throw new ArgumentOutOfRangeException(nameof(how), how, null),
                };
                if (held is not null)
                {
                    await held.DisposeAsync();
                }
            }).WaitAsync(Bound + Bound);

            Assert.True(clock.Elapsed < Bound, $"Taking the name took {clock.Elapsed}.");
            return error;
        }
    }
}
