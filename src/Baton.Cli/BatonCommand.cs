using System.CommandLine;
using Baton.Cli.Commands.Break;
using Baton.Cli.Commands.Clean;
using Baton.Cli.Commands.Dashboard;
using Baton.Cli.Commands.Elect;
using Baton.Cli.Commands.Join;
using Baton.Cli.Commands.Leader;
using Baton.Cli.Commands.Locks;
using Baton.Cli.Commands.Members;
using Baton.Cli.Commands.Run;
using Baton.Cli.Shared;

namespace Baton.Cli;

/// <summary>The root command: the verbs, <c>--help</c> on each (with examples) and <c>--version</c>.</summary>
internal static class BatonCommand
{
    /// <summary>Builds the command tree.</summary>
    /// <param name="child">The command after <c>--</c> for <c>run</c>, <c>elect</c> and <c>join</c>.</param>
    public static RootCommand Create(ChildCommandLine child)
    {
        var root = new RootCommand(
            "baton: named locks, leader election and group membership for shell scripts, cron jobs, services and deploy steps — "
            + "on one machine (lock files) or across machines (etcd, Redis, PostgreSQL, ZooKeeper). Docs: docs/cli.md.")
        {
            RunCommand.Create(child),
            ElectCommand.Create(child),
            JoinCommand.Create(child),
            LocksCommand.Create(),
            LeaderCommand.Create(),
            MembersCommand.Create(),
            CleanCommand.Create(),
            BreakCommand.Create(),
            DashboardCommand.Create(),
        };
        root.HelpName = "baton";
        Help.SetExamples(
            root,
            "baton run nightly -- ./nightly.sh        # never two at once",
            "baton run nightly --timeout 0 -- ./x     # skip when busy (exit 75)",
            "baton elect scheduler -- ./scheduler     # runs only while this one leads",
            "baton join workers --id w1 -- ./worker   # a group member while it runs",
            "baton locks                              # who holds what, who waits",
            "baton dashboard                          # the same, live, at http://127.0.0.1:22866/",
            "baton run NAME --help                    # more about a verb");
        Help.Install(root);
        return root;
    }
}
