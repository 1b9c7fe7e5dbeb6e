namespace Skiff.Storage;
