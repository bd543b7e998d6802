# Phasic policy gradient: a policy phase of minibatch updates, then an auxiliary phase that
# accumulates gradients and steps every few minibatches, both with one optimizer. The
# policy phase's step was lost: each minibatch clears the last one's gradients before
# anything steps, so only the last minibatch of the phase ever reaches a step (the
# auxiliary phase's first one).
import torch


def train(agent, rollouts, aux_batches, args):
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate)
    for iteration in range(args.iterations):
        for minibatch in rollouts:
            loss = agent.policy_loss(minibatch)
            optimizer.zero_grad()
            loss.backward()  # GL101
            torch.nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)

        for i, batch in enumerate(aux_batches):
            aux_loss = agent.aux_loss(batch)
            aux_loss.backward()
            if (i + 1) % args.accumulation == 0:
                optimizer.step()
                optimizer.zero_grad()
