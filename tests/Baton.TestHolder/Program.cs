// Baton.TestHolder — a child process for cross-process tests. It connects to one backend and takes,
// holds and releases locks on command, so a test can run real processes, kill -9 them and check that
// the backend released what they held. The harness is tests/Baton.Conformance/CrossProcess/HolderProcess.cs.
//
// Start:
//   dotnet Baton.TestHolder.dll --backend URL [--id MEMBERID] [--probe DIR]... [--load ASSEMBLY]...
//     --backend URL    the backend URL (required)
//     --id MEMBERID    the member's custom id (CoordinatorOptions.MemberId)
//     --probe DIR      a directory to load missing assemblies from (a backend package such as Baton.Redis
//                      and its dependencies, out of a test project's output directory); repeatable
//     --load ASSEMBLY  loads an assembly and registers the backend provider named by its
//                      [assembly: BackendProvider] attribute (a test-only backend); repeatable
//   Connected, it prints   READY <pid>
//   Failing to start, it prints   FATAL <exit code> <message>   and exits with that code:
//     64 usage error (bad arguments, bad or unknown backend URL), 69 backend unavailable, 70 other.
//
// Protocol: UTF-8 text, one command per line on stdin, one reply per line on stdout (flushed per line).
// Tokens are separated by spaces. TAG is any token without spaces chosen by the caller; it names one
// hold (or one request) and appears as the second token of every reply about it. NAME is the lock name
// in base64url (RFC 4648 §5, padding optional) of its UTF-8 bytes, so any name travels safely.
// TIMEOUT is milliseconds, or "inf". MODE is lock | read | write | semaphore:N | elect (campaign in the election
// NAME: the token is the term) | join or join:CAPS (join the group NAME with the holder's --id and capabilities CAPS,
// base64url JSON; the timeout is how long a member with the same id may take to leave; the token is the join's).
//
//   acquire TAG MODE NAME TIMEOUT   starts acquiring; commands keep being read while it waits. Later:
//                                     ACQUIRED TAG TOKEN [takeover:PREVTOKEN:REASON:PREVPID]
//                                   | TIMEOUT TAG | CANCELED TAG | ERROR TAG MESSAGE
//                                   TAG must not name a hold or a pending acquisition already.
//   cancel TAG                      stops a pending acquire or upgrade; that one then replies CANCELED TAG
//                                   (or its result, had it just completed). Nothing pending: ERROR TAG.
//   release TAG                     -> RELEASED TAG        (the tag is free again afterwards)
//   upgrade TAG TIMEOUT             starts upgrading a read hold. Later: UPGRADED TAG TOKEN | TIMEOUT TAG
//                                   | CANCELED TAG | ERROR TAG MESSAGE
//   downgrade TAG                   -> DOWNGRADED TAG TOKEN
//   lost? TAG                       -> HELD TAG | LOST TAG REASON
//   list [TAG]                      -> LIST TAG JSON       (Coordinator.ListLocksAsync: camelCase, enums as names)
//   whoami [TAG]                    -> MEMBER TAG JSON     (this member's identity)
//   break TAG lock|semaphore|group NAME -> BROKEN TAG COUNT (Coordinator.BreakLockAsync)
//   ping [TAG]                      -> PONG TAG            (every earlier command has been read)
//   exit                            cancels what is pending (CANCELED TAG each), releases everything,
//                                   prints BYE and exits 0
// Unsolicited:
//   LOST TAG REASON                 when a held handle's LostToken fires (REASON is a LossReason name)
// A command that cannot be parsed or fails replies ERROR TAG MESSAGE (TAG is the command's second
// token, "-" when there is none; MESSAGE is "ExceptionType: message") and the holder keeps running. When stdin closes (the parent exited or died) it releases everything
// and exits 0, so a holder never outlives its parent.

using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Baton;
using Baton.Backends;
using Baton.TestHolder;

using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
var output = new LineWriter(stdout);
string? backendUrl = null;
string? memberId = null;
var probes = new List<string>();
var loads = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    var option = args[i];
    if (option is "--help" or "-h")
    {
        Console.Error.WriteLine("usage: Baton.TestHolder --backend URL [--id MEMBERID] [--probe DIR]... [--load ASSEMBLY]...");
        return 0;
    }

    if (i + 1 >= args.Length)
    {
        return Fail(ExitCodes.Usage, $"option '{option}' needs a value (usage: Baton.TestHolder --backend URL [--id MEMBERID])");
    }

    var value = args[++i];
    switch (option)
    {
        case "--backend":
            backendUrl = value;
            break;
        case "--id":
            memberId = value;
            break;
        case "--probe":
            probes.Add(Path.GetFullPath(value));
            break;
        case "--load":
            loads.Add(Path.GetFullPath(value));
            break;
        default:
            return Fail(ExitCodes.Usage, $"unknown option '{option}' (usage: Baton.TestHolder --backend URL [--id MEMBERID])");
    }
}

if (backendUrl is null)
{
    return Fail(ExitCodes.Usage, "--backend URL is required");
}

try
{
    foreach (var load in loads)
    {
        probes.Add(Path.GetDirectoryName(load)!);
    }

    if (probes.Count > 0)
    {
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            foreach (var directory in probes)
            {
                var candidate = Path.Combine(directory, name.Name + ".dll");
                if (File.Exists(candidate))
                {
                    return context.LoadFromAssemblyPath(candidate);
                }
            }

            return null;
        };
    }

    foreach (var load in loads)
    {
        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(load);
        var attribute = assembly.GetCustomAttribute<BackendProviderAttribute>()
            ?? throw new ArgumentException($"'{load}' has no [assembly: BackendProvider] attribute.");
        BackendRegistry.Register((IBackendProvider)Activator.CreateInstance(attribute.ProviderType)!);
    }
}
catch (Exception e) when (e is ArgumentException or IOException or BadImageFormatException)
{
    return Fail(ExitCodes.Usage, e.Message);
}

Coordinator coordinator;
try
{
    coordinator = await Coordinator.ConnectAsync(backendUrl, new CoordinatorOptions { MemberId = memberId });
}
catch (ArgumentException e)
{
    return Fail(ExitCodes.Usage, e.Message);
}
catch (BackendUnavailableException e)
{
    return Fail(ExitCodes.Unavailable, e.Message);
}
catch (Exception e)
{
    return Fail(ExitCodes.Software, $"{e.GetType().Name}: {e.Message}");
}

await using (coordinator)
{
    output.WriteLine($"READY {Environment.ProcessId}");
    using var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
    var session = new HolderSession(coordinator, output);
    await session.RunAsync(input);
}

output.WriteLine("BYE");
return 0;

int Fail(int exitCode, string message)
{
    var line = LineWriter.OneLine(message);
    Console.Error.WriteLine($"Baton.TestHolder: {line}");
    output.WriteLine($"FATAL {exitCode} {line}");
    return exitCode;
}
