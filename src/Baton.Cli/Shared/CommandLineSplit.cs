namespace Baton.Cli.Shared;

/// <summary>
/// The command a verb such as <c>run</c> executes: everything after the first <c>--</c>, taken off the
/// command line before System.CommandLine sees it, so options of that command (<c>-- ls --help</c>) are
/// never read as baton's own.
/// </summary>
/// <param name="SeparatorSeen">Whether <c>--</c> was given.</param>
/// <param name="Arguments">The command and its arguments; empty when none.</param>
internal sealed record ChildCommandLine(bool SeparatorSeen, IReadOnlyList<string> Arguments)
{
    /// <summary>The verbs that run a command after <c>--</c>.</summary>
    public static readonly string[] VerbsWithCommand = ["run", "elect", "join"];

    /// <summary>Splits <paramref name="args"/> into baton's own part and the command after <c>--</c>.</summary>
    /// <param name="args">The process arguments.</param>
    /// <param name="own">What System.CommandLine parses.</param>
    public static ChildCommandLine Split(string[] args, out string[] own)
    {
        own = args;
        if (args.Length == 0 || !VerbsWithCommand.Contains(args[0], StringComparer.Ordinal))
        {
            return new ChildCommandLine(false, []);
        }

        var separator = Array.IndexOf(args, "--");
        if (separator < 0)
        {
            return new ChildCommandLine(false, []);
        }

        own = args[..separator];
        return new ChildCommandLine(true, args[(separator + 1)..]);
    }
}
