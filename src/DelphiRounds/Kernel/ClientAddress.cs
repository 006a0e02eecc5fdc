using System.Net;
using System.Net.Sockets;

namespace DelphiRounds.Kernel;

/// <summary>
/// Whom an address-based limit counts: an IPv4 address as it is, an IPv6 address by its /64. One IPv6 subscriber
/// usually holds a whole /64, so counting exact addresses would give an attacker 2^64 fresh buckets.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext context) => Of(context.Connection.RemoteIpAddress);

    public static string Of(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}

/// <summary>
/// Where a token (invitation, signing link, bearer) was looked up and not found. Features that look tokens up report
/// here; Security counts them per address and stops guessing (429) before it gets far.
/// </summary>
public interface ITokenLookupFailures
{
    /// <summary>A lookup of a token of <paramref name="kind"/> failed for this request.</summary>
    void Failed(HttpContext context, string kind);
}
