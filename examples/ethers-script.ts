/**
 * ethers v6 against any Ethereum JSON-RPC node: the embedded chain's server
 * (`startRpcServer`, see src/simulator/rpc/) or a real node such as `hardhat node`.
 *
 *   npx tsx examples/ethers-script.ts [RPC_URL]      # default $RPC_URL or http://127.0.0.1:8545
 *
 * Compiles contracts/test/RpcProbe.sol with the project's solc settings, deploys it from the node's
 * first unlocked account (eth_sendTransaction through ethers' JsonRpcSigner), sends a transaction,
 * reads its event and state back, and shows a custom-error revert decoded by ethers.
 * Exits non-zero on any failure.
 */
import { ContractFactory, JsonRpcProvider, isCallException, type Contract, type InterfaceAbi } from 'ethers';
import { compileContracts } from '../src/harness/compile.ts';

const url = process.argv[2] ?? process.env.RPC_URL ?? 'http://127.0.0.1:8545';

async function main(): Promise<void> {
  const probe = compileContracts({ entries: ['contracts/test/RpcProbe.sol'] }).contracts['RpcProbe']!;
  const provider = new JsonRpcProvider(url);
  try {
    const network = await provider.getNetwork();
    const signer = await provider.getSigner(0);
    console.log(`node     ${url} chainId ${network.chainId} block ${await provider.getBlockNumber()}`);
    console.log(`account  ${signer.address} balance ${await provider.getBalance(signer.address)} wei`);

    const factory = new ContractFactory(probe.abi as InterfaceAbi, probe.bytecode, signer);
    const deployed = await factory.deploy(5n);
    await deployed.waitForDeployment();
    const probeContract = deployed as unknown as Contract;
    const deployReceipt = await deployed.deploymentTransaction()!.wait();
    console.log(`deployed RpcProbe at ${await deployed.getAddress()} (gas ${deployReceipt!.gasUsed})`);

    const tx = await probeContract.getFunction('store')(1n, 42n);
    const receipt = await tx.wait();
    const event = probeContract.interface.parseLog(receipt!.logs[0]!)!;
    console.log(`store    block ${receipt!.blockNumber} gas ${receipt!.gasUsed} event ${event.name}(${event.args.join(', ')})`);
    console.log(`slots(1) ${await probeContract.getFunction('slots')(1n)}`);
    console.log(`check(3) ${await probeContract.getFunction('check')(3n)}`);

    // The revert is shown through eth_estimateGas: every node reports it as an error with the
    // revert data, whereas eth_call on a Hardhat node run with throwOnCallFailures=false returns
    // the revert data as if it were the result.
    try {
      await probeContract.getFunction('check').estimateGas(11n);
      throw new Error('check(11) should revert');
    } catch (e) {
      // ethers decodes custom errors itself only for static calls; decode the revert data here.
      const revert = isCallException(e) && e.data ? probeContract.interface.parseError(e.data) : null;
      if (revert?.name !== 'TooBig') throw e;
      console.log(`check(11) reverts with ${revert.name}(${revert.args.join(', ')})`);
    }
  } finally {
    provider.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
