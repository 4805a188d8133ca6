namespace Baton;

/// <summary>
/// Thrown by an acquisition, before it is attempted, when its order closes a cycle in the lock order and
/// the coordinator's <see cref="LockOrderChecker"/> is in <see cref="LockOrderCheckMode.Throw"/> mode.
/// </summary>
public sealed class PotentialDeadlockException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public PotentialDeadlockException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What would deadlock.</param>
    public PotentialDeadlockException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What would deadlock.</param>
    /// <param name="innerException">The cause.</param>
    public PotentialDeadlockException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a violation; the message names the cycle and every site.</summary>
    /// <param name="violation">The cycle.</param>
    public PotentialDeadlockException(LockOrderViolation violation)
        : base((violation ?? throw new ArgumentNullException(nameof(violation))).ToString())
    {
        Violation = violation;
    }

    /// <summary>The cycle, when the exception was made for one.</summary>
    public LockOrderViolation? Violation { get; }
}
