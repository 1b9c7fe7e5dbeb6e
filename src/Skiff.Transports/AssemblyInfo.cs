namespace Skiff.Transports;
