using System.Diagnostics;
using Baton.Cli.Shared;

namespace Baton.Cli.Supervision;

/// <summary>The command <c>baton run</c> started: its pid for signals, and its end.</summary>
internal abstract class RunningCommand : IDisposable
{
    /// <summary>The command's process id.</summary>
    public abstract int Id { get; }

    /// <summary>True once the process is gone and its id may belong to another process: send it nothing then.</summary>
    public abstract bool HasEnded { get; }

    /// <summary>Blocks until the command has ended. Its id stays reserved until <see cref="Reap"/> where the platform allows.</summary>
    public abstract void WaitForEnd();

    /// <summary>Collects the exit status after <see cref="WaitForEnd"/>: the exit code, or 128 + N when killed by signal N.</summary>
    public abstract int Reap();

    /// <inheritdoc />
    public abstract void Dispose();

    /// <summary>A command started by <see cref="NativeSpawn"/>: a plain child process of baton, waited for with waitid/waitpid.</summary>
    /// <param name="pid">Its process id.</param>
    internal sealed class Spawned(int pid) : RunningCommand
    {
        private volatile bool _reaped;

        /// <inheritdoc />
        public override int Id => pid;

        /// <inheritdoc />
        public override bool HasEnded => _reaped;

        /// <summary>
        /// Waits with WNOWAIT: the ended command stays a zombie, so its pid cannot be reused while a signal handler
        /// may still be passing a signal on to it; <see cref="Reap"/> comes after the relay has stopped.
        /// </summary>
        public override void WaitForEnd()
        {
            while (NativeMethods.WaitForChildNoReap(pid) != 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != NativeMethods.EINTR)
                {
                    throw new InvalidOperationException($"waitid({pid}) failed: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}.");
                }
            }
        }

        /// <inheritdoc />
        public override int Reap()
        {
            int status;
            while (NativeMethods.WaitPid(pid, out status, 0) < 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != NativeMethods.EINTR)
                {
                    throw new InvalidOperationException($"waitpid({pid}) failed: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}.");
                }
            }

            _reaped = true;
            var signal = status & 0x7f;
            return signal == 0 ? (status >> 8) & 0xff : ExitCodes.SignalBase + signal;
        }

        /// <inheritdoc />
        public override void Dispose()
        {
            // Nothing to free: a pid is not a handle. An unreaped child (an exception on the way out) is reaped
            // by init once baton exits.
        }
    }

    /// <summary>A command started through <see cref="Process"/> (the setpriv fallback).</summary>
    /// <param name="process">The process.</param>
    internal sealed class Managed(Process process) : RunningCommand
    {
        /// <inheritdoc />
        public override int Id => process.Id;

        /// <inheritdoc />
        public override bool HasEnded => process.HasExited;

        /// <inheritdoc />
        public override void WaitForEnd() => process.WaitForExit();

        /// <inheritdoc />
        public override int Reap() => process.ExitCode;

        /// <inheritdoc />
        public override void Dispose() => process.Dispose();
    }
}
