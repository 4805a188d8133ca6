using Baton.Backends;

namespace Baton.Files;

/// <summary>
/// <c>file:///DIR</c> (and <c>file://</c> for the default directory): lock files on this machine,
/// built into the core. Options: <c>api=ofd|flock</c>, <c>layout=baton|oslo</c> with <c>prefix=P</c>,
/// <c>mode=files|table</c>; see docs/backends/file.md.
/// </summary>
internal sealed class FileBackendProvider : IBackendProvider
{
    public IReadOnlyList<string> Schemes { get; } = ["file"];

    public ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The file backend uses Linux open-file-description locks; it runs on Linux only.");
        }

        var options = FileBackendOptions.Parse(context.Url);
        cancellationToken.ThrowIfCancellationRequested();
        var directory = FileLockDirectory.Open(options.Directory);
        try
        {
            var counter = FencingCounter.For(directory);
            return new(new FileBackend(options, directory, counter, context.Member, context.TimeProvider));
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }
}
