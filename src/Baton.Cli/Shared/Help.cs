using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Baton.Cli.Shared;

/// <summary>Adds an "Examples:" section (and notes) after the standard help of each verb.</summary>
internal static class Help
{
    private static readonly Dictionary<Command, string[]> Sections = [];

    /// <summary>Registers the lines shown under "Examples:" in <paramref name="command"/>'s help.</summary>
    /// <param name="command">The verb.</param>
    /// <param name="lines">Example command lines, each optionally followed by <c>#</c> and what it does; empty lines separate groups.</param>
    public static void SetExamples(Command command, params string[] lines) => Sections[command] = lines;

    /// <summary>Wraps the root's (recursive) help option so that it writes the registered examples after the standard sections.</summary>
    /// <param name="root">The root command.</param>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction standard } help)
            {
                help.Action = new WithExamples(standard);
            }
        }
    }

    /// <summary>The standard help, then the examples of the command it is for.</summary>
    /// <param name="standard">System.CommandLine's help action.</param>
    private sealed class WithExamples(HelpAction standard) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            // Worked out here, not when the command tree is built: only help needs them.
            standard.MaxWidth = Console.IsOutputRedirected ? 100 : Math.Max(Terminal.Width, 60);
            CommonOptions.DescribeDefaultBackend();
            var result = standard.Invoke(parseResult);
            if (Sections.TryGetValue(parseResult.CommandResult.Command, out var lines))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var line in lines)
                {
                    output.WriteLine(line.Length == 0 ? string.Empty : "  " + line);
                }

                output.WriteLine();
            }

            return result;
        }
    }
}
