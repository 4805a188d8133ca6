namespace Baton.Hostile.Tests.Servers;

/// <summary>What a fake server does with each connection it accepts.</summary>
public enum Misbehaviour
{
    /// <summary>Sends random bytes (seeded), then keeps the connection open, reading and ignoring everything.</summary>
    RandomBytes,

    /// <summary>Accepts and never answers, reading and ignoring everything.</summary>
    Silent,

    /// <summary>Closes the connection at once.</summary>
    CloseAtOnce,

    /// <summary>Answers the client's first bytes with the protocol's own framing announcing a huge length, then nothing more.</summary>
    HugeLength,
}
