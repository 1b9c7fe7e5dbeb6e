namespace Skiff.Engine;
